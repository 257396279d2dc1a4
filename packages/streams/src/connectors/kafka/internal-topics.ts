import { AdminClient, CODES, type LibrdKafkaError } from 'node-rdkafka';
import { repartitionTopicName } from '../../runtime/repartition-exchange';
import type { Topology } from '../../topology/topology';
import type { KafkaConnection } from './connection';

/** A topic the runtime creates for itself: changelogs, repartitions, checkpoints. */
export interface InternalTopic {
  readonly name: string;
  readonly partitions: number;
  readonly config: Readonly<Record<string, string>>;
}

export function changelogTopic(applicationId: string, store: string): string {
  return `${applicationId}-${store}-changelog`;
}

export function checkpointTopic(applicationId: string): string {
  return `${applicationId}-checkpoints`;
}

/**
 * The internal topics of a topology: one compacted changelog per store, partitioned like the
 * store's tasks; the compacted checkpoint topic; one repartition topic per re-keying `groupBy`.
 */
export function internalTopics(topology: Topology, tasksPerSubtopology: (subtopologyId: number) => number, options: { repartitionRetentionMs: number }): InternalTopic[] {
  const { applicationId } = topology;
  const topics: InternalTopic[] = [{ name: checkpointTopic(applicationId), partitions: 1, config: { 'cleanup.policy': 'compact' } }];
  for (const sub of topology.subtopologies) {
    for (const store of sub.stores) {
      topics.push({ name: changelogTopic(applicationId, store), partitions: tasksPerSubtopology(sub.id), config: { 'cleanup.policy': 'compact' } });
    }
    if (sub.repartition) {
      topics.push({
        name: repartitionTopicName(applicationId, sub.repartition),
        partitions: tasksPerSubtopology(sub.id),
        config: { 'cleanup.policy': 'delete', 'retention.ms': String(options.repartitionRetentionMs) },
      });
    }
  }
  return topics;
}

/** Creates the topics that do not exist yet (an existing topic is left as it is). */
export async function ensureTopics(connection: KafkaConnection, topics: readonly InternalTopic[], replicationFactor: number): Promise<void> {
  const admin = AdminClient.create({ 'metadata.broker.list': connection.brokers, ...connection.config });
  try {
    for (const topic of topics) {
      await new Promise<void>((resolve, reject) =>
        admin.createTopic(
          { topic: topic.name, num_partitions: topic.partitions, replication_factor: replicationFactor, config: topic.config as never },
          30_000,
          (err: LibrdKafkaError) => (!err || err.code === CODES.ERRORS.ERR_TOPIC_ALREADY_EXISTS ? resolve() : reject(new Error(`cannot create topic ${topic.name}: ${err.message}`))),
        ),
      );
    }
  } finally {
    admin.disconnect();
  }
}
