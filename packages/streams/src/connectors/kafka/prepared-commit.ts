import type { Logger } from '../../logging/logger';
import type { StateBackend } from '../../state/backends/state-backend';
import { readPartitions } from './partition-reader';
import { commitMarkerTopic } from './internal-topics';
import type { KafkaStreamsOptions } from './kafka-streams-options';

/**
 * Exactly-once: a crash between the Kafka transaction's commit and the state's finalize leaves
 * a prepared state commit. If the last commit marker (written in the transaction) under
 * `markerKey` names it, the transaction committed and the state is finalized; otherwise it is
 * discarded at restore. (Offsets alone cannot tell: a commit of timer output or idle partitions
 * reads nothing new.) Markers under the instance id, as versions before SINGLE_INSTANCE_MARKER_KEY
 * wrote them, are read when there is none under `markerKey`.
 */
export async function resolvePreparedCommit(args: {
  backend: StateBackend;
  applicationId: string;
  instance: string;
  markerKey: string;
  connection: KafkaStreamsOptions['connection'];
  logger: Logger;
}): Promise<void> {
  const { backend, applicationId, instance, markerKey } = args;
  const prepared = await backend.prepared(applicationId);
  if (prepared === undefined) return;
  const marked = new Map<string, number>();
  await readPartitions(args.connection, `${applicationId}-${instance}-markers`, [{ topic: commitMarkerTopic(applicationId), partition: 0 }], (m) => {
    const key = m.key?.toString();
    if ((key === markerKey || key === instance) && m.value) marked.set(key, (JSON.parse(m.value.toString()) as { commitId: number }).commitId);
  });
  const committed = (marked.get(markerKey) ?? marked.get(instance)) === prepared.commitId;
  if (committed) await backend.finalize(applicationId, prepared.commitId);
  args.logger.info('found a state commit prepared before a crash', { commitId: prepared.commitId, transactionCommitted: committed });
}
