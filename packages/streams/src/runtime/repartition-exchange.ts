import type { GroupByNode, Node } from '../topology/nodes';
import { rootSourceOf, type Topology } from '../topology/topology';
import { murmur3 } from '../util/murmur3';
import { partitionId, type Key, type RawRecord, type StreamRecord } from './record';
import type { Task } from './task';
import { stopsTheAppWith } from '../util/stops-the-app';

/** Where re-keyed records go when instances share the work: a repartition topic per `groupBy`. */
export interface RepartitionTransport {
  send(topic: string, partition: number, key: Buffer | null, value: Buffer): void;
  /** Makes everything sent durable; part of every commit, before the state is committed. */
  flush(): Promise<void>;
}

export function repartitionTopicName(applicationId: string, groupBy: GroupByNode): string {
  return `${applicationId}-${groupBy.name}-repartition`;
}

/** The partition a key belongs to among `count`: the same rule in process and through Kafka. */
export function partitionOfKey(key: Key, count: number): number {
  return count === 1 ? 0 : murmur3(typeof key === 'string' ? key : JSON.stringify(key)) % count;
}

/**
 * What repartition topics cannot carry yet, refused at start (the Kafka runtime's constructor, the
 * test driver's `create`) rather than left to lose or count twice:
 * - records an operator derives (window and session results; a processor's timer and
 *   `emitLatest` output, refused at `send`): they have no input offset, and a replay after a crash
 *   may not emit them the same way, so the downstream task could not tell a replay's duplicates;
 * - a second hop: the source partitions' watermarks reach the second topic ahead of records still
 *   on their way through the first, so its windows could close before those records arrive.
 * Late records (`late()`) are the aggregation's own input, with their offsets: they pass.
 */
export function refuseWhatRepartitionTopicsCannotCarry(topology: Topology): void {
  for (const sub of topology.subtopologies) if (sub.repartition) refuseUnsupported(topology, sub.repartition);
}

function refuseUnsupported(topology: Topology, groupBy: GroupByNode): void {
  let node: Node = groupBy.parent;
  while (node.kind !== 'source') {
    if (node.kind === 'late') {
      node = node.parent.parent; // the aggregation's input
      continue;
    }
    if (node.kind === 'windowAggregate' || node.kind === 'sessionAggregate') {
      throw new Error(multiInstanceCannot(`send the results of ${node.name} (re-keyed by ${groupBy.name}) through a repartition topic: a replay after a crash could not tell their duplicates`));
    }
    if (node.kind === 'groupBy' && topology.isRepartition(node)) {
      throw new Error(multiInstanceCannot(`re-key twice through repartition topics (${node.name}, then ${groupBy.name}): the second topic's windows could close before records on their way through the first arrive`));
    }
    node = node.parent;
  }
}

function multiInstanceCannot(what: string): string {
  return `scaling 'multi-instance' cannot yet ${what}. Run the application with scaling 'single-instance'.`;
}

/** A data record: value, event time, and where it came from, with the watermark there before and after it. */
interface DataEnvelope {
  v: unknown;
  t: number;
  /**
   * origin topic, partition, offset, watermark before the record (null for none: JSON's -Infinity),
   * sequence within one origin record (flatMap), the origin partition's watermark after the
   * record (absent in records written before it was added), and 1 for a processor's emit
   * (Origin.emitted; absent otherwise).
   */
  o: [string, number, number, number | null, number, number?, 1?];
}

/** A watermark record: the watermark of each source partition of the sending instance. */
interface WatermarkEnvelope {
  wm: Record<string, number>;
}

/**
 * Carries re-keyed records between tasks through repartition topics. Each record holds its origin
 * (source partition, offset, watermark before it; once read back, its origin is its place in the
 * repartition topic, with the same watermark), so the lateness decided upstream holds
 * downstream, and the downstream task drops what a replay after a crash sends again: from one
 * source partition, records reach a repartition partition in offset order, so anything at or
 * before the last (offset, sequence) seen from that partition is a duplicate. Every commit also
 * sends each source partition's watermark to every repartition partition: a downstream task's
 * watermark is the lowest over all source partitions, whoever reads them.
 */
export class RepartitionExchange {
  private readonly topics = new Map<GroupByNode, { name: string; partitions: number }>();
  private readonly subtopologyOfTopic = new Map<string, number>();
  /** By repartition topic: every partition of its groupBy's source, which a downstream watermark waits for. */
  private readonly followedPartitions = new Map<string, string[]>();
  private readonly sentWatermarks = new Map<string, number>();

  constructor(
    private readonly topology: Topology,
    private readonly transport: RepartitionTransport,
    partitionCounts: ReadonlyMap<string, number>,
  ) {
    for (const sub of topology.subtopologies) {
      if (!sub.repartition) continue;
      refuseUnsupported(topology, sub.repartition);
      const name = repartitionTopicName(topology.applicationId, sub.repartition);
      const partitions = partitionCounts.get(name);
      if (partitions === undefined) throw new Error(`the partition count of repartition topic ${name} is unknown`);
      this.topics.set(sub.repartition, { name, partitions });
      this.subtopologyOfTopic.set(name, sub.id);
      const { topic } = rootSourceOf(sub.repartition);
      this.followedPartitions.set(name, Array.from({ length: partitionCounts.get(topic) ?? 0 }, (_, p) => partitionId(topic, p)));
    }
  }

  /** The sub-topology a repartition topic feeds, or undefined for another topic. */
  subtopologyOf(topic: string): number | undefined {
    return this.subtopologyOfTopic.get(topic);
  }

  /** `watermarkAfter`: the record's source partition's watermark once it has read the record. */
  send(node: GroupByNode, record: StreamRecord, sequence: number, watermarkAfter: number): void {
    const topic = this.topics.get(node)!;
    const { origin } = record;
    if (origin.offset < 0) throw stopsTheAppWith(new Error(multiInstanceCannot(`send a processor's timer or emitLatest output (re-keyed by ${node.name}) through a repartition topic: a replay after a crash could not tell its duplicates`)));
    const o: DataEnvelope['o'] = [origin.topic, origin.partition, origin.offset, origin.watermark, sequence, watermarkAfter];
    if (origin.emitted === true) o.push(1);
    const envelope: DataEnvelope = { v: record.value, t: record.timestamp, o };
    const key = JSON.stringify(record.key);
    const value = Buffer.from(JSON.stringify(envelope));
    try {
      this.transport.send(topic.name, partitionOfKey(record.key, topic.partitions), Buffer.from(key), value);
    } catch (error) {
      // The producer's failure (fatal, no transaction open, a full queue that did not drain), not
      // the record's: every record after it would fail the same way.
      throw stopsTheAppWith(error instanceof Error ? error : new Error(String(error)));
    }
  }

  /** Sends the watermarks of these source partitions that moved since they were last sent. */
  broadcastWatermarks(watermarks: ReadonlyMap<string, number>): void {
    const moved: Record<string, number> = {};
    let any = false;
    for (const [id, wm] of watermarks) {
      if (!Number.isFinite(wm) || this.sentWatermarks.get(id) === wm) continue;
      moved[id] = wm;
      this.sentWatermarks.set(id, wm);
      any = true;
    }
    if (!any) return;
    const value = Buffer.from(JSON.stringify({ wm: moved } satisfies WatermarkEnvelope));
    for (const { name, partitions } of this.topics.values()) for (let p = 0; p < partitions; p++) this.transport.send(name, p, null, value);
  }

  /** Takes a record of a repartition topic into its task. */
  receive(raw: RawRecord, task: Task): void {
    const envelope = JSON.parse(raw.value!.toString('utf8')) as DataEnvelope | WatermarkEnvelope;
    const followed = this.followedPartitions.get(raw.topic)!;
    if ('wm' in envelope) {
      for (const [id, wm] of Object.entries(envelope.wm)) task.updateOriginWatermark(id, wm);
      task.advanceWatermark(lowestWatermark(task, followed));
      return;
    }
    const [topic, partition, offset, sentWatermark, sequence, watermarkAfter, emitted] = envelope.o;
    const id = partitionId(topic, partition);
    // A partition's first record has no watermark before it (-Infinity), which JSON writes as
    // null; read as null, the lateness rules compared event times with 0, so a first record
    // from before 1970 was late (`t < null`, `end <= null`).
    // Judged by the highest watermark heard from its source partition, if that is higher: at
    // least-once, a watermark sent down this topic is durable even when the commit that saved it
    // at the source failed, and the source, restarted from the commit before, sends records with
    // the older one. This task may have closed windows on the newer one: the record is late for
    // them, as it would have been at the source without the restart. (Otherwise the two agree:
    // what one source partition sends arrives in the order it was sent.)
    const watermark = Math.max(sentWatermark ?? -Infinity, task.originWatermark(id));
    if (!task.acceptOrigin(id, offset, sequence)) return; // sent again by a replay
    if (watermarkAfter !== undefined && Number.isFinite(watermarkAfter)) {
      // The watermark as of this record, before it, as a groupByKey task's would be: timers and
      // windows due by then act before the record, however the records were batched.
      task.updateOriginWatermark(id, watermarkAfter);
      task.advanceWatermark(lowestWatermark(task, followed));
    }
    task.processRepartitioned({
      key: JSON.parse(raw.key!.toString('utf8')) as Key,
      value: envelope.v,
      timestamp: envelope.t,
      // From here on the record is at its place in the repartition topic, the input this task
      // reads and commits: what exactly-once sinks compare with the offsets they stored, and what
      // a further repartition numbers it by. Its lateness stays its source partition's.
      origin: { topic: raw.topic, partition: raw.partition, offset: raw.offset, watermark, ...(emitted === 1 ? { emitted: true as const } : {}) },
    });
  }
}

/** A re-keyed task's watermark: the lowest over its groupBy's source partitions. */
function lowestWatermark(task: Task, followed: readonly string[]): number {
  let min = Infinity;
  for (const id of followed) min = Math.min(min, task.originWatermark(id));
  return min;
}
