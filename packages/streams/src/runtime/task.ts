import type { Logger } from '../logging/logger';
import { derivedOrigin, type Operator, type OperatorContext } from '../operators/operator';
import type { Timer } from '../operators/keyed-processor';
import { createOperator, type OperatorEnvironment } from '../operators/operator-factories';
import type { SinkRecord } from '../sinks/sink';
import type { StoreLayout, TaskChanges, TaskSnapshot } from '../state/backends/state-backend';
import type { StateStore } from '../state/state-store';
import type { GroupByNode, Node, SinkNode, SourceNode } from '../topology/nodes';
import { rootSourceOf, type Subtopology, type Topology } from '../topology/topology';
import { guarded } from './guarded-operator';
import { storeLayoutOf } from './store-layout';
import { partitionId, type StreamRecord } from './record';
import type { Json } from '../util/json';

/** Takes one decoded record of a source partition. */
export type SourceIngest = (offset: number, key: unknown, value: unknown, timestamp: number) => void;

/** Event-time progress of one source partition of a task. */
interface SourceClock {
  readonly id: string;
  readonly delay: number;
  streamTime: number;
}

/**
 * The event time of one source's tree of operators within a task. Nodes have one parent each, so
 * every operator descends from one source: its windows close and its timers fire by that source's
 * watermark alone, not held back by another topic the task also reads (as in Kafka Streams, where
 * unconnected sources are separate sub-topologies).
 */
interface Timeline {
  watermark: number;
  /** While the watermark advances: the watermark before the advance (see `OperatorContext.derivedOrigin`). */
  advancingFrom: number | undefined;
  /** Operators with event-time work, parents before children. */
  readonly operators: Operator[];
}

/** What a task needs from the engine that runs it. */
export interface TaskHost {
  readonly logger: Logger;
  wallClockTime(): number;
  /** Sends a re-keyed record to the task that owns its new key (`sequence`: its rank among the records of one input record). */
  repartition(node: GroupByNode, record: StreamRecord, sequence: number): void;
  /** The buffer of the sink a sink node writes to. */
  sinkBuffer(node: SinkNode): (record: SinkRecord<unknown>) => void;
  countLate(node: Node): void;
  /**
   * The application's code threw on `record` in `node`: the record goes to the dead letters, or
   * this throws the error that stops the app (see SourceOptions.processingErrors).
   */
  processingFailed(node: Node, record: StreamRecord, error: unknown, timer?: Timer): void;
}

/**
 * One partition of one sub-topology: its operators, its stores, its event-time progress. Tasks are
 * the unit of state (and, with Kafka, of assignment): everything a task holds belongs to its
 * partition.
 */
export class Task {
  readonly id: string;
  private readonly stores: StateStore[] = [];
  private readonly timed: Operator[] = [];
  private readonly entries: Operator[] = [];
  private readonly sourceEntries = new Map<string, SourceIngest>();
  /** By source topic: sub-topology 0 has one per source, a re-keyed task one (its groupBy's source). */
  private readonly timelines = new Map<string, Timeline>();
  private readonly timelineList: Timeline[] = [];
  /**
   * The topology's stores, kept in every checkpoint (none when it has no store), with the stores
   * of earlier versions that the restored state still holds, as unused (see checkStoreLayout).
   */
  private layout: StoreLayout | undefined;
  /** Stream time per source topic (sub-topology 0), restored from the checkpoint. */
  private readonly clocks = new Map<string, SourceClock>();
  /** Next offset per input partition that this task's state reflects. */
  readonly offsets = new Map<string, number>();
  /** Fed by a repartition topic: per source partition, [watermark, last offset, last sequence]. */
  private readonly origins = new Map<string, [number, number, number]>();

  /**
   * `hasSourcePartition`: whether a source topic has this task's partition. Sources with fewer
   * partitions than others give the higher-numbered tasks no input from them, and no clock: a
   * clock that never moves would hold the task's watermark back forever.
   */
  constructor(
    readonly subtopology: Subtopology,
    readonly partition: number,
    topology: Topology,
    private readonly host: TaskHost,
    hasSourcePartition: (topic: string) => boolean = () => true,
  ) {
    this.id = `${subtopology.id}_${partition}`;
    const layout = storeLayoutOf(topology);
    this.layout = Object.keys(layout).length > 0 ? layout : undefined;
    const operators = new Map<Node, Operator>();
    const environment: OperatorEnvironment = {
      topology,
      repartition: (node, record, sequence) => host.repartition(node, record, sequence),
      sinkBuffer: (node) => host.sinkBuffer(node),
    };
    const fanOut = (nodes: readonly Node[]) => {
      const targets = nodes.map((n) => operators.get(n)!);
      if (targets.length === 1) return targets[0]!.process;
      return (record: StreamRecord) => {
        for (const t of targets) t.process(record);
      };
    };
    // Children are built before parents (reverse pre-order), so a parent can forward to them.
    for (const node of [...subtopology.nodes].reverse()) {
      const children = topology.isRepartition(node) ? [] : topology.childrenOf(node);
      const timeline = this.timelineOf(rootSourceOf(node).topic);
      const failed = (record: StreamRecord, error: unknown, timer?: Timer) => host.processingFailed(node, record, error, timer);
      const context: OperatorContext = {
        taskId: this.id,
        partition,
        logger: host.logger,
        forward: fanOut(children.filter((c) => c.kind !== 'late')),
        forwardLate: fanOut(children.filter((c) => c.kind === 'late')),
        watermark: () => timeline.watermark,
        derivedOrigin: (lastOpen = -Infinity) => derivedOrigin(partition, Math.max(lastOpen, timeline.advancingFrom ?? timeline.watermark)),
        wallClockTime: () => host.wallClockTime(),
        register: <S extends StateStore>(store: S) => {
          this.stores.push(store);
          return store;
        },
        countLate: () => host.countLate(node),
        failed,
      };
      const operator = guarded(node, createOperator(node, context, environment), failed);
      operators.set(node, operator);
      // Parents before children: what an operator emits as time moves (results of windows that
      // close, timer output) reaches the operators below before their own windows close.
      if (operator.advanceWatermark || operator.advanceWallClock || operator.beforeCommit) this.timed.unshift(operator);
      if (operator.advanceWatermark) timeline.operators.unshift(operator);
    }
    const entryNodes = subtopology.repartition ? topology.childrenOf(subtopology.repartition) : subtopology.sources;
    for (const node of entryNodes) this.entries.push(operators.get(node)!);
    for (const source of subtopology.sources) {
      if (!hasSourcePartition(source.topic)) continue;
      const forward = fanOut(topology.childrenOf(source));
      this.sourceEntries.set(source.topic, this.sourceIngest(source, forward));
    }
  }

  /** The entry of a source topic's records (sub-topology 0): look it up once, call it per record. */
  ingest(topic: string): SourceIngest {
    const ingest = this.sourceEntries.get(topic);
    if (ingest === undefined) throw new Error(`task ${this.id} reads no topic ${topic}`);
    return ingest;
  }

  /** Stream time of this task's partition of a source topic. */
  streamTime(topic: string): number {
    return this.clocks.get(topic)?.streamTime ?? -Infinity;
  }

  /** Feeds a re-keyed record from a repartition (other sub-topologies). */
  processRepartitioned(record: StreamRecord): void {
    for (const entry of this.entries) entry.process(record);
  }

  /**
   * A re-keyed task (one source's tree): moves its watermark forward (never back), so windows
   * close and event-time timers fire. Sub-topology 0 moves its own, as its sources' records arrive.
   */
  advanceWatermark(watermark: number): void {
    // Per re-keyed record: no iterator, and a task of one source has one timeline.
    const list = this.timelineList;
    for (let i = 0; i < list.length; i++) advance(list[i]!, watermark);
  }

  /** Fires processing-time timers; returns whether any fired (state changed). */
  advanceWallClock(now: number): boolean {
    let changed = false;
    for (const op of this.timed) if (op.advanceWallClock?.(now) === true) changed = true;
    return changed;
  }

  beforeCommit(): void {
    for (const op of this.timed) op.beforeCommit?.();
  }

  /** The task is gone: its stores release what they hold (a store on disk, its table). */
  close(): void {
    for (const store of this.stores) store.close?.();
  }

  /** Number of entries in each store, for metrics. */
  storeSizes(): Map<string, number> {
    return new Map(this.stores.map((s) => [s.name, s.size]));
  }

  /** A source partition's watermark, as last heard through the repartition topic. */
  originWatermark(sourcePartition: string): number {
    return this.origins.get(sourcePartition)?.[0] ?? -Infinity;
  }

  updateOriginWatermark(sourcePartition: string, watermark: number): void {
    const origin = this.origins.get(sourcePartition);
    if (origin === undefined) this.origins.set(sourcePartition, [watermark, -1, -1]);
    else if (watermark > origin[0]) origin[0] = watermark;
  }

  /** Whether a repartitioned record is new, i.e. after the last one taken from its source partition. */
  acceptOrigin(sourcePartition: string, offset: number, sequence: number): boolean {
    const origin = this.origins.get(sourcePartition);
    if (origin === undefined) {
      this.origins.set(sourcePartition, [-Infinity, offset, sequence]);
      return true;
    }
    if (offset < origin[1] || (offset === origin[1] && sequence <= origin[2])) return false;
    origin[1] = offset;
    origin[2] = sequence;
    return true;
  }

  takeChanges(): TaskChanges {
    return {
      checkpoint: {
        offsets: Object.fromEntries(this.offsets),
        time: { ...Object.fromEntries([...this.clocks.values()].map((c) => [c.id, c.streamTime])), watermark: this.lowestWatermark() },
        ...(this.origins.size > 0 ? { origins: Object.fromEntries([...this.origins].map(([id, o]) => [id, [...o] as [number, number, number]])) } : {}),
        ...(this.layout !== undefined ? { layout: this.layout } : {}),
      },
      stores: new Map(this.stores.map((s) => [s.name, s.takeChanges()])),
      ...(this.stores.every((s) => s.encodedEntries !== undefined) ? { allEntries: () => this.allEntries() } : {}),
    };
  }

  private *allEntries(): Generator<readonly [string, string, Json]> {
    for (const store of this.stores) for (const [key, value] of store.encodedEntries!()) yield [store.name, key, value];
  }

  restore(snapshot: TaskSnapshot): void {
    const unused = Object.entries(snapshot.checkpoint.layout ?? {}).filter(([store]) => this.layout?.[store] === undefined);
    if (unused.length > 0) {
      this.layout = { ...this.layout, ...Object.fromEntries(unused.map(([store, [sub, shape]]) => [store, [sub, shape, 'unused'] as const])) };
    }
    for (const store of this.stores) {
      const entries = snapshot.stores.get(store.name);
      if (entries) store.restore(entries);
    }
    for (const [id, offset] of Object.entries(snapshot.checkpoint.offsets)) this.offsets.set(id, offset);
    for (const [id, [watermark, offset, sequence]] of Object.entries(snapshot.checkpoint.origins ?? {})) {
      this.origins.set(id, [watermark ?? -Infinity, offset, sequence]);
    }
    for (const [id, time] of Object.entries(snapshot.checkpoint.time)) {
      if (id === 'watermark') {
        // A re-keyed task's own; sub-topology 0 derives each source's from its clock below.
        if (this.subtopology.repartition) for (const timeline of this.timelineList) timeline.watermark = time ?? -Infinity;
      } else for (const clock of this.clocks.values()) if (clock.id === id) clock.streamTime = time ?? -Infinity;
    }
    for (const [topic, clock] of this.clocks) this.timelineOf(topic).watermark = clock.streamTime - clock.delay;
  }

  private timelineOf(topic: string): Timeline {
    let timeline = this.timelines.get(topic);
    if (timeline === undefined) {
      this.timelines.set(topic, (timeline = { watermark: -Infinity, advancingFrom: undefined, operators: [] }));
      this.timelineList.push(timeline);
    }
    return timeline;
  }

  /** What the checkpoint keeps as the task's watermark: its lowest source's (a re-keyed task has one). */
  lowestWatermark(): number {
    let min = Infinity;
    for (const timeline of this.timelines.values()) min = Math.min(min, timeline.watermark);
    return min === Infinity ? -Infinity : min;
  }

  /**
   * Stream time and watermark of a source partition. The record carries the watermark as it was
   * just before it; if the record moves stream time forward, its source's watermark moves first
   * (closing windows, firing timers that are due), then the record goes on.
   */
  private sourceIngest(node: SourceNode, forward: (record: StreamRecord) => void): SourceIngest {
    const { topic, watermarkDelay: delay } = node;
    const partition = this.partition;
    const clock: SourceClock = { id: partitionId(topic, partition), delay, streamTime: -Infinity };
    this.clocks.set(topic, clock);
    const timeline = this.timelineOf(topic);
    return (offset, key, value, timestamp) => {
      const streamTime = clock.streamTime;
      const record: StreamRecord = { key: key as never, value, timestamp, origin: { topic, partition, offset, watermark: streamTime - delay } };
      if (timestamp > streamTime) {
        clock.streamTime = timestamp;
        advance(timeline, timestamp - delay);
      }
      forward(record);
    };
  }

  /** Raises a source partition's stream time without a record (the partition was idle); returns whether it moved. */
  raiseStreamTime(topic: string, streamTime: number): boolean {
    const clock = this.clocks.get(topic);
    if (clock === undefined || streamTime <= clock.streamTime) return false;
    clock.streamTime = streamTime;
    advance(this.timelineOf(topic), streamTime - clock.delay);
    return true;
  }
}

/** Moves a timeline's watermark forward (never back): its windows close and its event-time timers fire. */
function advance(timeline: Timeline, watermark: number): void {
  if (watermark <= timeline.watermark) return;
  timeline.advancingFrom = timeline.watermark;
  timeline.watermark = watermark;
  try {
    for (const op of timeline.operators) op.advanceWatermark!(watermark);
  } finally {
    timeline.advancingFrom = undefined;
  }
}
