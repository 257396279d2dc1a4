import { AdminClient, CODES, type KafkaConsumer, type LibrdKafkaError } from 'node-rdkafka';
import { repartitionTopicName } from '../../runtime/repartition-exchange';
import type { Topology } from '../../topology/topology';
import { parseDuration } from '../../time/duration';
import type { KafkaConnection } from './connection';
import type { KafkaStreamsOptions } from './kafka-streams-options';
import * as rd from './promisified';

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

/** Exactly-once: the last commit id of each instance, written in each commit's transaction. */
export function commitMarkerTopic(applicationId: string): string {
  return `${applicationId}-commit-markers`;
}

/**
 * The key of a single-instance runtime's commit markers. Not its instance id: the commit a crash
 * left prepared is the local state's, whatever instance id the restart runs under (by default
 * the host name, which a recreated container changes); under the new id's key the restart found
 * no marker, took a committed transaction for an aborted one, discarded its state and wrote its
 * output again. One instance at a time holds the state (the directory lock, the group check),
 * and its commit ids go on from the state's, so the key's last marker is the last committed
 * transaction's. '~' cannot be in an instance id.
 */
export const SINGLE_INSTANCE_MARKER_KEY = '~single-instance';

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

/**
 * Reads the partition count of every source topic (failing clearly when one is missing), and in
 * multi-instance mode creates the internal topics. Fills `partitionCounts` (source and repartition
 * topics) and returns the topics to subscribe to.
 */
export async function prepareTopics(consumer: KafkaConsumer, topology: Topology, options: KafkaStreamsOptions, partitionCounts: Map<string, number>): Promise<string[]> {
  for (const source of topology.sources) {
    const count = await rd.partitionCount(consumer as never, source.topic, 10_000);
    if (count === 0) throw new Error(`source topic ${source.topic} does not exist (or has no partitions)`);
    partitionCounts.set(source.topic, count);
  }
  if (options.scaling === 'multi-instance') refuseUnequalPartitionCounts(topology, partitionCounts);
  const topics = topology.sources.map((s) => s.topic);
  if (options.processingGuarantee === 'exactly_once') {
    await ensureTopics(options.connection, [{ name: commitMarkerTopic(topology.applicationId), partitions: 1, config: { 'cleanup.policy': 'compact' } }], options.replicationFactor ?? -1);
  }
  if (options.scaling !== 'multi-instance') return topics;
  // Every sub-topology runs a task per partition of the source topics (all of one count, above):
  // sub-topology 0 by partition number, the re-keyed ones by their repartition topics. A store's
  // changelog needs a partition per task.
  const tasks = partitionCounts.get(topology.sources[0]!.topic)!;
  const internal = internalTopics(topology, () => tasks, {
    repartitionRetentionMs: parseDuration(options.repartitionRetention ?? '1d', 'repartitionRetention'),
  });
  await refuseMismatchedInternalTopics(consumer, topology, internal, tasks);
  await ensureTopics(options.connection, internal, options.replicationFactor ?? -1);
  // A topic just created is not in every broker's metadata at once: subscribing to it before
  // that fails the first fetch with "unknown topic or partition".
  for (const topic of internal) await waitForTopic(consumer, topic.name, 30_000);
  for (const sub of topology.subtopologies) {
    if (!sub.repartition) continue;
    const name = repartitionTopicName(topology.applicationId, sub.repartition);
    partitionCounts.set(name, tasks);
    topics.push(name);
  }
  return topics;
}

/**
 * Multi-instance: one task reads partition p of every source topic, but the group's assignor splits
 * each topic's partitions among the instances separately. With equal counts every topic is split
 * the same way; with unequal ones partition p of two topics can go to two instances, which would
 * then both run the task (its state and checkpoint in two places): refused. (All sources are in
 * sub-topology 0 here; Kafka Streams asks co-partitioning of the topics one sub-topology joins.)
 */
function refuseUnequalPartitionCounts(topology: Topology, partitionCounts: ReadonlyMap<string, number>): void {
  if (new Set(topology.sources.map((s) => partitionCounts.get(s.topic))).size <= 1) return;
  const topicsWithCounts = [...new Set(topology.sources.map((s) => s.topic))].map((topic) => `${topic} (${partitionCounts.get(topic)})`);
  throw new Error(
    `scaling 'multi-instance' needs every source topic to have the same number of partitions, as a task reads the same partition of each: ${topicsWithCounts.join(', ')}. ` +
      `Give them equal partition counts, or run the application with scaling 'single-instance'.`,
  );
}

/**
 * Multi-instance: an internal topic that already exists (from an earlier run) must have the
 * partition count the topology needs now, or tasks would write to partitions it lacks (librdkafka:
 * "Unknown partition" at the first re-keyed record) or read state laid out for other tasks. A
 * source topic grown since the last run is the usual cause. Refused at start, naming each topic
 * and both counts, as Kafka Streams refuses it. (The checkpoint and commit-marker topics have one
 * partition whatever the sources have.)
 */
async function refuseMismatchedInternalTopics(consumer: KafkaConsumer, topology: Topology, internal: readonly InternalTopic[], tasks: number): Promise<void> {
  const { applicationId } = topology;
  const checked = internal.filter((t) => t.name !== checkpointTopic(applicationId));
  const mismatched: string[] = [];
  let previous: number | undefined;
  for (const topic of checked) {
    const existing = await rd.partitionCount(consumer as never, topic.name, 10_000);
    if (existing === 0 || existing === topic.partitions) continue;
    mismatched.push(`${topic.name} has ${existing} partitions`);
    previous ??= existing;
  }
  if (mismatched.length === 0) return;
  const sources = [...new Set(topology.sources.map((s) => s.topic))].join(', ');
  const all = [...internal.map((t) => t.name), commitMarkerTopic(applicationId)].join(', ');
  throw new Error(
    `internal topics of '${applicationId}' do not match its source topics: ${mismatched.join(', ')}, but the topology needs ${tasks} ` +
      `(one per partition of the source topics, ${sources}: ${tasks} now). Its tasks and their state are laid out by partition, so this instance cannot run on them. ` +
      `Either give ${sources} its old partition count back (recreate it with ${previous} partitions), or reset the application: stop every instance, ` +
      `delete its internal topics (${all}, those that exist) and its consumer group '${applicationId}', and start again (it reads its sources anew).`,
  );
}

async function waitForTopic(consumer: KafkaConsumer, topic: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const meta = await rd.metadata(consumer as never, topic, 5_000).catch(() => undefined);
    const partitions = meta?.topics.find((t) => t.name === topic)?.partitions ?? [];
    if (partitions.length > 0 && partitions.every((p) => p.leader >= 0)) return;
    if (Date.now() > deadline) throw new Error(`topic ${topic} was created but has no leader after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
