import type { Logger } from '../logging/logger';
import type { CommitInfo, Sink, SinkRecord, SinkWriter } from '../sinks/sink';
import type { DeadLetter } from '../sources/dead-letter';
import { createDecoder, type Decoded } from '../sources/decoder';
import type { StateBackend, TaskChanges } from '../state/backends/state-backend';
import type { Clock } from '../time/clock';
import type { GroupByNode, SinkNode, SourceNode } from '../topology/nodes';
import type { Topology } from '../topology/topology';
import { emptyMetrics, type EngineMetrics } from './metrics';
import { partitionId, type PartitionOffset, type RawRecord, type StreamRecord } from './record';
import { partitionOfKey, RepartitionExchange, type RepartitionTransport } from './repartition-exchange';
import { Task, type TaskHost } from './task';

export interface EngineOptions {
  readonly topology: Topology;
  readonly backend: StateBackend;
  readonly clock: Clock;
  readonly logger: Logger;
  /** A partition with no new data for this long (wall clock) stops holding windows open. */
  readonly idleTimeoutMs: number;
  /** Opens a sink's writer (the test driver substitutes capturing writers). */
  openSink(sink: Sink<never>, nodeName: string): Promise<SinkWriter<unknown>>;
  /**
   * Where re-keyed records go. Absent: in process, to tasks of this engine, which then must run
   * every partition. Given: through repartition topics, so that instances can share the work.
   */
  readonly repartition?: RepartitionTransport;
}

/** The partitions an engine runs: the ones it reads, and how many each topic has. */
export interface Assignment {
  /** Partitions this instance reads: of source topics, and of repartition topics if any. */
  readonly partitions: ReadonlyArray<{ topic: string; partition: number }>;
  /** Partition count of every source topic (and repartition topic). */
  readonly partitionCounts: ReadonlyMap<string, number>;
}

interface SinkChannel {
  writer: SinkWriter<unknown>;
  buffer: SinkRecord<unknown>[];
}

/**
 * Runs a topology over batches of raw records: decodes them, routes them through tasks, buffers
 * output for the sinks, tracks event time, and commits. It owns no consumer: the Kafka runtime and
 * the test driver feed it, so both run exactly the same code.
 *
 * Commit protocol: update-mode results are emitted, every sink is flushed (its output is durable),
 * then the state of every task and the offsets it reflects are committed atomically to the state
 * backend; only then may the caller commit offsets at the source. A crash anywhere before resumes
 * from the previous commit and replays: idempotent sinks rewrite the same results.
 */
export class Engine {
  private readonly topology: Topology;
  private readonly decoders = new Map<string, { source: SourceNode; decode: (raw: RawRecord) => Decoded }>();
  private readonly tasks = new Map<string, Task>();
  private readonly sourceTasks = new Map<number, Task>();
  private readonly repartitionTasks = new Map<number, Task[]>();
  private readonly channels = new Map<Sink<never>, SinkChannel>();
  private readonly sinkOfNode = new Map<SinkNode, SinkChannel>();
  private readonly deadLetterChannels = new Map<string, SinkChannel>();
  /** Next offset per assigned partition. */
  private readonly positions = new Map<string, number>();
  private readonly lastActivity = new Map<string, number>();
  private readonly caughtUp = new Map<string, boolean>();
  private readonly idle = new Set<string>();
  private assignment: Assignment = { partitions: [], partitionCounts: new Map() };
  /** The assigned partitions of source topics (the others are repartition topics). */
  private sourceAssigned: Array<{ topic: string; partition: number }> = [];
  private exchange: RepartitionExchange | undefined;
  private commitId = 0;
  /** Something happened since the last commit (records, idle partitions moving, timer output). */
  private uncommitted = false;
  private readonly counters = emptyMetrics();
  private readonly host: TaskHost;

  constructor(private readonly options: EngineOptions) {
    this.topology = options.topology;
    for (const source of this.topology.sources) this.decoders.set(source.topic, { source, decode: createDecoder(source) });
    this.host = {
      logger: options.logger,
      wallClockTime: () => options.clock.now(),
      repartition: (node, record, sequence) => this.repartition(node, record, sequence),
      sinkBuffer: (node) => {
        const channel = this.sinkOfNode.get(node)!;
        const name = node.name;
        return (record) => {
          channel.buffer.push(record);
          this.counters.sinkRecords[name] = (this.counters.sinkRecords[name] ?? 0) + 1;
        };
      },
      countLate: (node) => {
        this.counters.late[node.name] = (this.counters.late[node.name] ?? 0) + 1;
      },
    };
  }

  /**
   * Opens sinks, creates and restores the tasks of the assigned partitions, and returns, per
   * partition, the next offset the restored state expects (absent: no checkpoint yet).
   */
  async start(assignment: Assignment): Promise<Map<string, number>> {
    this.assignment = assignment;
    this.sourceAssigned = assignment.partitions.filter((p) => this.decoders.has(p.topic));
    await this.openSinks();
    const sub0 = this.topology.subtopologies[0]!;
    for (const p of [...new Set(this.sourceAssigned.map((tp) => tp.partition))].sort((a, b) => a - b)) {
      const task = new Task(sub0, p, this.topology, this.host);
      this.tasks.set(task.id, task);
      this.sourceTasks.set(p, task);
    }
    if (this.options.repartition) {
      const sourcePartitions = this.topology.sources.flatMap((s) => Array.from({ length: assignment.partitionCounts.get(s.topic) ?? 0 }, (_, p) => partitionId(s.topic, p)));
      this.exchange = new RepartitionExchange(this.topology, this.options.repartition, assignment.partitionCounts, sourcePartitions);
      for (const { topic, partition } of assignment.partitions) {
        const sub = this.exchange.subtopologyOf(topic);
        if (sub === undefined) continue;
        const task = new Task(this.topology.subtopologies[sub]!, partition, this.topology, this.host);
        this.tasks.set(task.id, task);
      }
    } else {
      // In process: this engine runs every partition of the re-keyed sub-topologies.
      const count = Math.max(1, ...this.topology.sources.map((s) => assignment.partitionCounts.get(s.topic) ?? 1));
      for (const sub of this.topology.subtopologies.slice(1)) {
        const tasks: Task[] = [];
        for (let p = 0; p < count; p++) {
          const task = new Task(sub, p, this.topology, this.host);
          this.tasks.set(task.id, task);
          tasks.push(task);
        }
        this.repartitionTasks.set(sub.id, tasks);
      }
    }
    const snapshots = await this.options.backend.restore(this.topology.applicationId, [...this.tasks.keys()]);
    this.commitId = await this.options.backend.lastCommitId(this.topology.applicationId);
    for (const [id, snapshot] of snapshots) this.tasks.get(id)!.restore(snapshot);

    const now = this.options.clock.now();
    const resume = new Map<string, number>();
    for (const { topic, partition } of assignment.partitions) {
      const id = partitionId(topic, partition);
      const sub = this.exchange?.subtopologyOf(topic);
      const task = sub === undefined ? this.sourceTasks.get(partition) : this.tasks.get(`${sub}_${partition}`);
      if (sub === undefined) this.lastActivity.set(id, now);
      const offset = task?.offsets.get(id);
      if (offset !== undefined) {
        resume.set(id, offset);
        this.positions.set(id, offset);
      }
    }
    this.propagateWatermarks();
    this.options.logger.info('engine started', {
      tasks: [...this.tasks.keys()],
      restoredTasks: snapshots.size,
      commitId: this.commitId,
      stateBackend: this.options.backend.kind,
      repartition: this.exchange ? 'topics' : 'in process',
    });
    return resume;
  }

  /**
   * Tells the engine (and every sink) where reading resumes for each assigned partition: the
   * checkpoint's offsets from `start`, or, for partitions without one, the group's committed offset
   * or the reset position. Call it before the first `process`.
   */
  async resumeFrom(positions: readonly PartitionOffset[]): Promise<void> {
    for (const { topic, partition, offset } of positions) this.positions.set(partitionId(topic, partition), offset);
    await Promise.all([...this.channels.values()].map((c) => c.writer.recover?.(positions)));
  }

  /** Processes a batch of raw records, in order. */
  process(batch: readonly RawRecord[]): void {
    const now = this.options.clock.now();
    if (batch.length > 0) this.uncommitted = true;
    for (const raw of batch) {
      const id = partitionId(raw.topic, raw.partition);
      this.positions.set(id, raw.offset + 1);
      const source = this.decoders.get(raw.topic);
      if (source === undefined) {
        this.receiveRepartitioned(raw);
        continue;
      }
      this.counters.recordsIn++;
      this.lastActivity.set(id, now);
      if (this.idle.delete(id)) this.options.logger.info('partition active again', { partition: id });
      const task = this.sourceTasks.get(raw.partition);
      if (task === undefined) throw new Error(`received a record of ${id}, which this engine was not assigned`);
      const decoded = source.decode(raw);
      if (decoded.ok) task.processSource(raw.topic, raw.offset, decoded.key, decoded.value, decoded.timestamp);
      else this.deadLetter(source.source, raw, decoded.reason, task);
    }
    this.propagateWatermarks();
    this.drainBuffers();
  }

  /** Tells the engine whether a partition has data waiting (the idleness rule needs it). */
  setCaughtUp(topic: string, partition: number, caughtUp: boolean): void {
    this.caughtUp.set(partitionId(topic, partition), caughtUp);
  }

  /**
   * Wall-clock housekeeping: partitions idle for `idleTimeoutMs` follow the others' event time, and
   * processing-time timers fire.
   */
  tick(): void {
    const now = this.options.clock.now();
    if (this.updateIdlePartitions(now)) this.uncommitted = true;
    for (const task of this.tasks.values()) task.advanceWallClock(now);
    if (this.drainBuffers()) this.uncommitted = true;
  }

  /** Whether a commit would persist anything: the runtime skips commits of an idle engine. */
  hasUncommittedWork(): boolean {
    return this.uncommitted;
  }

  /** Records buffered in sinks and not yet flushed. */
  bufferedRecords(): number {
    let n = 0;
    for (const channel of this.channels.values()) n += channel.writer.buffered ?? 0;
    return n;
  }

  /**
   * Flushes every sink, then persists state and offsets. Returns the offsets the caller must commit
   * at the source, then call `committed()`. `beforeFinalize` runs after the state is prepared and
   * before it is finalized: an exactly-once runtime commits its Kafka transaction there, so state
   * and transaction succeed or fail together (see `StateBackend`).
   */
  async commit(options: { beforeFinalize?: (info: CommitInfo) => Promise<void> } = {}): Promise<CommitInfo> {
    const started = Date.now();
    for (const task of this.tasks.values()) task.beforeCommit();
    this.drainBuffers();
    const offsets: PartitionOffset[] = [];
    for (const { topic, partition } of this.assignment.partitions) {
      const offset = this.positions.get(partitionId(topic, partition));
      if (offset !== undefined) offsets.push({ topic, partition, offset });
    }
    const info: CommitInfo = { id: this.commitId + 1, offsets };
    await Promise.all([...[...this.channels.values()].map((c) => c.writer.flush(info)), this.options.repartition?.flush()]);

    const changes = new Map<string, TaskChanges>();
    for (const task of this.tasks.values()) {
      // In process, a re-keyed task has seen everything read so far: it reflects every position.
      if (task.subtopology.id !== 0 && !this.exchange) for (const [id, offset] of this.positions) task.offsets.set(id, offset);
      changes.set(task.id, task.takeChanges());
    }
    const { backend } = this.options;
    await backend.prepare(this.topology.applicationId, info.id, changes);
    await options.beforeFinalize?.(info);
    await backend.finalize(this.topology.applicationId, info.id);
    this.commitId = info.id;
    this.uncommitted = false;
    this.counters.commits++;
    this.counters.lastCommitMs = Date.now() - started;
    return info;
  }

  /** The source committed the offsets of `info`: sinks may finalize (e.g. end a transaction). */
  async committed(info: CommitInfo): Promise<void> {
    await Promise.all([...this.channels.values()].map((c) => c.writer.committed?.(info)));
  }

  metrics(): EngineMetrics {
    const storeEntries: Record<string, number> = {};
    for (const task of this.tasks.values()) {
      for (const [name, size] of task.storeSizes()) storeEntries[name] = (storeEntries[name] ?? 0) + size;
    }
    const watermarks = Object.fromEntries(this.sourceWatermarks());
    return { ...structuredClone(this.counters), storeEntries, watermarks, idlePartitions: [...this.idle] };
  }

  /** Closes the sinks. Uncommitted work is dropped: call `commit()` first for a clean stop. */
  async close(): Promise<void> {
    const results = await Promise.allSettled([...this.channels.values()].map((c) => c.writer.close()));
    for (const r of results) if (r.status === 'rejected') this.options.logger.warn('a sink failed to close', { error: String(r.reason) });
  }

  private async openSinks(): Promise<void> {
    for (const node of this.topology.sinks) {
      let channel = this.channels.get(node.sink);
      if (channel === undefined) {
        channel = { writer: await this.options.openSink(node.sink, node.name), buffer: [] };
        this.channels.set(node.sink, channel);
      }
      this.sinkOfNode.set(node, channel);
    }
    for (const source of this.topology.sources) {
      if (source.deadLetter === undefined) continue;
      const sink = source.deadLetter as Sink<never>;
      let channel = this.channels.get(sink);
      if (channel === undefined) {
        channel = { writer: await this.options.openSink(sink, `${source.name}-dead-letters`), buffer: [] };
        this.channels.set(sink, channel);
      }
      this.deadLetterChannels.set(source.topic, channel);
    }
  }

  private deadLetter(source: SourceNode, raw: RawRecord, reason: string, task: Task): void {
    this.counters.deadLettered++;
    const channel = this.deadLetterChannels.get(source.topic);
    const letter: DeadLetter = {
      reason,
      topic: raw.topic,
      partition: raw.partition,
      offset: raw.offset,
      key: raw.key,
      value: raw.value,
      ...(raw.timestamp !== undefined ? { timestamp: raw.timestamp } : {}),
    };
    task.offsets.set(partitionId(raw.topic, raw.partition), raw.offset + 1);
    if (channel) {
      channel.buffer.push({ value: letter, timestamp: raw.timestamp ?? this.options.clock.now() });
    } else {
      this.options.logger.warn('invalid record (no dead-letter sink configured for this source)', {
        reason,
        topic: raw.topic,
        partition: raw.partition,
        offset: raw.offset,
        value: raw.value?.toString('utf8').slice(0, 500) ?? null,
      });
    }
  }

  /** Sends a re-keyed record on: through its repartition topic, or in process to the task of its key's partition. */
  private repartition(node: GroupByNode, record: StreamRecord, sequence: number): void {
    if (this.exchange) {
      this.exchange.send(node, record, sequence);
      return;
    }
    const sub = this.topology.subtopologyOf(this.topology.childrenOf(node)[0]!);
    const tasks = this.repartitionTasks.get(sub.id)!;
    tasks[partitionOfKey(record.key, tasks.length)]!.processRepartitioned(record);
  }

  private receiveRepartitioned(raw: RawRecord): void {
    const sub = this.exchange?.subtopologyOf(raw.topic);
    const task = sub === undefined ? undefined : this.tasks.get(`${sub}_${raw.partition}`);
    if (task === undefined) throw new Error(`received a record of ${partitionId(raw.topic, raw.partition)}, which this engine was not assigned`);
    this.exchange!.receive(raw, task);
  }

  /** The watermark of each assigned source partition. */
  private sourceWatermarks(): Map<string, number> {
    const out = new Map<string, number>();
    for (const { topic, partition } of this.sourceAssigned) {
      const source = this.decoders.get(topic)!.source;
      const st = this.sourceTasks.get(partition)!.streamTimes.get(partitionId(topic, partition)) ?? -Infinity;
      out.set(partitionId(topic, partition), st - source.watermarkDelay);
    }
    return out;
  }

  /**
   * Tasks fed by a repartition see records from every source partition: their watermark is the
   * lowest watermark over all source partitions (idle ones having followed the others). In
   * process it is set directly; through topics it travels as watermark records.
   */
  private propagateWatermarks(): void {
    // Through topics: every source partition's watermark that moved goes to every repartition
    // partition, once per batch (a few small records, however large the batch).
    this.exchange?.broadcastWatermarks(this.sourceWatermarks());
    if (this.repartitionTasks.size === 0) return;
    let min = Infinity;
    for (const wm of this.sourceWatermarks().values()) min = Math.min(min, wm);
    if (min === Infinity) return;
    for (const tasks of this.repartitionTasks.values()) for (const task of tasks) task.advanceWatermark(min);
  }

  /** Returns whether an idle partition's event time moved. */
  private updateIdlePartitions(now: number): boolean {
    const { idleTimeoutMs } = this.options;
    const active: Array<{ topic: string; partition: number }> = [];
    const idle: Array<{ topic: string; partition: number }> = [];
    for (const tp of this.sourceAssigned) {
      const id = partitionId(tp.topic, tp.partition);
      const quiet = now - (this.lastActivity.get(id) ?? now) >= idleTimeoutMs && this.caughtUp.get(id) !== false;
      (quiet ? idle : active).push(tp);
      if (quiet && !this.idle.has(id)) {
        this.idle.add(id);
        this.options.logger.info('partition idle: it no longer holds windows open', { partition: id, idleTimeoutMs });
      }
    }
    if (idle.length === 0 || active.length === 0) return false;
    // An idle partition's event time follows the slowest active partition.
    let target = Infinity;
    for (const { topic, partition } of active) {
      const source = this.decoders.get(topic)!.source;
      const st = this.sourceTasks.get(partition)!.streamTimes.get(partitionId(topic, partition)) ?? -Infinity;
      target = Math.min(target, st - source.watermarkDelay);
    }
    if (target === -Infinity) return false;
    let moved = false;
    for (const { topic, partition } of idle) {
      const source = this.decoders.get(topic)!.source;
      if (this.sourceTasks.get(partition)!.raiseStreamTime(topic, target + source.watermarkDelay)) moved = true;
    }
    this.propagateWatermarks();
    return moved;
  }

  /** Hands buffered output to the sinks; returns whether there was any. */
  private drainBuffers(): boolean {
    let any = false;
    for (const channel of this.channels.values()) {
      if (channel.buffer.length === 0) continue;
      const batch = channel.buffer;
      channel.buffer = [];
      channel.writer.write(batch);
      any = true;
    }
    return any;
  }
}
