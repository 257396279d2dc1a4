import { CODES, type KafkaConsumer, type TopicPartition } from 'node-rdkafka';
import type { Logger } from '../../logging/logger';
import { partitionId, type PartitionOffset } from '../../runtime/record';
import * as rd from './promisified';

export interface ResumeInputs {
  readonly consumer: KafkaConsumer;
  readonly partitions: readonly TopicPartition[];
  /** Each task's checkpoint: where its state is, by partition id (absent: never committed here). */
  readonly checkpoints: ReadonlyMap<string, number>;
  /** The group's committed offsets (`groupOffsets`), read before the engine started. */
  readonly groupOffsets: ReadonlyMap<string, number>;
  /** Whether any subtopology keeps state. */
  readonly stateful: boolean;
  /** For the source topics; the runtime's own topics (repartition) are always read from their start. */
  readonly autoOffsetReset: 'earliest' | 'latest';
  /** The topology's source topics: `autoOffsetReset` is theirs. */
  readonly sourceTopics: ReadonlySet<string>;
  readonly logger: Logger;
}

/**
 * Where each newly assigned partition resumes: at this instance's checkpoint, where its state
 * is; else at the group's committed offset; else, for a source topic, at the start or end of the
 * partition as `autoOffsetReset` says, and for a repartition topic at its start, as Kafka Streams
 * reads its internal topics: what is there was sent by tasks whose input is already committed,
 * and would never be sent again.
 */
export async function resumePositions(inputs: ResumeInputs): Promise<PartitionOffset[]> {
  const { consumer, partitions, checkpoints, groupOffsets: group, stateful, logger } = inputs;
  const positions: PartitionOffset[] = [];
  for (const { topic, partition } of partitions) {
    const id = partitionId(topic, partition);
    const checkpoint = checkpoints.get(id);
    const committed = group.get(id);
    let offset = checkpoint ?? committed;
    if (checkpoint !== undefined && committed !== undefined && committed > checkpoint) {
      // Another instance processed this partition further and committed (several instances of
      // a stateless topology share the group, each with its own checkpoint): its output is
      // written, so going back to this instance's older checkpoint would write it again.
      // Stateful tasks resume where their state is, or it would miss those records.
      if (!stateful) offset = committed;
      else logger.warn('the group committed past this instance’s checkpoint: resuming from the checkpoint, where the state is', { partition: id, checkpoint, group: committed });
    }
    if (offset === undefined || offset < 0) {
      const { lowOffset, highOffset } = await rd.watermarks(consumer as never, topic, partition, 10_000);
      offset = inputs.autoOffsetReset === 'latest' && inputs.sourceTopics.has(topic) ? highOffset : lowOffset;
    }
    positions.push({ topic, partition, offset });
  }
  return positions;
}

/**
 * How long an exactly-once runtime's `groupOffsets` waits for offsets that a Kafka transaction
 * holds: longer than the runtime's transaction.timeout.ms (60 s), after which the broker aborts a
 * transaction that a killed instance left open. (At least once, no transaction holds them.)
 */
export const OPEN_TRANSACTION_WAIT_MS = 90_000;

/**
 * The consumer group's committed offsets of these partitions, by partition id. The broker does
 * not answer for offsets that an open transaction is committing: exactly once, an instance
 * killed between sending its offsets and committing leaves them pending until its transaction is
 * aborted (at once by a restart with the same transactional id, otherwise transaction.timeout.ms
 * later: an instance restarted under another instance id). librdkafka then times out; this tries
 * again, saying why, for up to `waitMs` (default 0: one attempt), unless `stopped()` says the
 * runtime is stopping.
 */
export async function groupOffsets(
  consumer: KafkaConsumer,
  partitions: readonly TopicPartition[],
  options: { logger?: Logger; waitMs?: number; attemptMs?: number; stopped?: () => boolean } = {},
): Promise<Map<string, number>> {
  if (partitions.length === 0) return new Map();
  const waitMs = options.waitMs ?? 0;
  const attemptMs = options.attemptMs ?? 10_000;
  const started = Date.now();
  for (;;) {
    const attemptStarted = Date.now();
    try {
      const committed = await rd.committed(consumer, partitions.map((p) => ({ topic: p.topic, partition: p.partition })), attemptMs);
      return new Map(committed.map((c) => [partitionId(c.topic, c.partition), c.offset]));
    } catch (error) {
      const waited = Date.now() - started;
      if ((error as { code?: unknown }).code !== CODES.ERRORS.ERR__TIMED_OUT || waitMs === 0 || options.stopped?.()) throw error;
      const why =
        'most likely offsets an open Kafka transaction is committing: an instance killed in its commit under another instanceId (INSTANCE_ID in the reference app), ' +
        'whose transaction the broker aborts after its transaction.timeout.ms (60 s by default); a restart under the same instanceId aborts it at once';
      if (waited + attemptMs > waitMs) throw new Error(`the group's committed offsets could not be read in ${Math.round(waited / 1000)} s: ${why}`, { cause: error });
      options.logger?.warn("the group's committed offsets are not readable yet: waiting", { waitedMs: waited, reason: why });
      // A timeout that came early must not make this a busy loop.
      await new Promise((r) => setTimeout(r, Math.max(0, 1_000 - (Date.now() - attemptStarted))));
    }
  }
}
