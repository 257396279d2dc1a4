import type { KafkaConsumer, TopicPartition } from 'node-rdkafka';
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

/** The consumer group's committed offsets of these partitions, by partition id. */
export async function groupOffsets(consumer: KafkaConsumer, partitions: readonly TopicPartition[]): Promise<Map<string, number>> {
  if (partitions.length === 0) return new Map();
  const committed = await rd.committed(consumer, partitions.map((p) => ({ topic: p.topic, partition: p.partition })), 10_000);
  return new Map(committed.map((c) => [partitionId(c.topic, c.partition), c.offset]));
}
