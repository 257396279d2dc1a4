import type { Logger } from '../../logging/logger';
import type { StateBackend } from '../../state/backends/state-backend';
import { readPartitions } from './changelog-reader';
import { commitMarkerTopic } from './internal-topics';
import type { KafkaStreamsOptions } from './kafka-streams-options';

/**
 * Exactly-once: a crash between the Kafka transaction's commit and the state's finalize leaves
 * a prepared state commit. If this instance's commit marker (written in the transaction) names
 * it, the transaction committed and the state is finalized; otherwise it is discarded at restore.
 * (Offsets alone cannot tell: a commit of timer output or idle partitions reads nothing new.)
 */
export async function resolvePreparedCommit(args: {
  backend: StateBackend;
  applicationId: string;
  instance: string;
  connection: KafkaStreamsOptions['connection'];
  logger: Logger;
}): Promise<void> {
  const { backend, applicationId, instance } = args;
  const prepared = await backend.prepared(applicationId);
  if (prepared === undefined) return;
  let marked: number | undefined;
  await readPartitions(args.connection, `${applicationId}-${instance}-markers`, [{ topic: commitMarkerTopic(applicationId), partition: 0 }], (m) => {
    if (m.key?.toString() === instance && m.value) marked = (JSON.parse(m.value.toString()) as { commitId: number }).commitId;
  });
  const committed = marked === prepared.commitId;
  if (committed) await backend.finalize(applicationId, prepared.commitId);
  args.logger.info('found a state commit prepared before a crash', { commitId: prepared.commitId, transactionCommitted: committed });
}
