import type { TopicPartition } from 'node-rdkafka';
import type { Topology } from '../../topology/topology';

/**
 * Single-instance mode keeps a stateful topology's state on one instance, so it must be given
 * every source partition. Returns why an assignment of only some of them cannot run (another
 * instance of the app has joined the group), or undefined when it can.
 */
export function partialAssignmentProblem(topology: Topology, partitionCounts: ReadonlyMap<string, number>, partitions: readonly TopicPartition[]): string | undefined {
  const stores = topology.subtopologies.flatMap((s) => s.stores);
  if (stores.length === 0 || partitions.length === 0) return undefined;
  const total = sourcePartitionCount(topology, partitionCounts);
  if (sourcePartitionsIn(topology, partitions) >= total) return undefined;
  return (
    `this topology keeps state (${stores.join(', ')}), which the single-instance ` +
    `mode keeps on one instance: this instance was given ${partitions.length} of ${total} partitions, so another ` +
    `instance of '${topology.applicationId}' is running. Run a single instance, or use scaling: 'multi-instance'.`
  );
}

/** How many partitions the topology's source topics have in all. */
export function sourcePartitionCount(topology: Topology, partitionCounts: ReadonlyMap<string, number>): number {
  return topology.sources.reduce((n, s) => n + partitionCounts.get(s.topic)!, 0);
}

/** How many of these partitions belong to the topology's source topics. */
export function sourcePartitionsIn(topology: Topology, partitions: readonly TopicPartition[]): number {
  return partitions.filter((p) => topology.sources.some((s) => s.topic === p.topic)).length;
}
