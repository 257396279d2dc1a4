import type { Logger } from '../logging/logger';
import type { CommitInfo, Sink, SinkWriter } from '../sinks/sink';
import { deadLetterOf, type DeadLetter } from '../sources/dead-letter';
import { adoptApplicationRegistries } from '../sources/application-registries';
import { createDecoder, type Decoded } from '../sources/decoder';
import type { StateBackend, TaskChanges } from '../state/backends/state-backend';
import type { Clock } from '../time/clock';
import type { GroupByNode, SourceNode } from '../topology/nodes';
import { rootSourceOf, type Topology } from '../topology/topology';
import { emptyMetrics, type EngineMetrics } from './metrics';
import { ProcessingErrorHandler } from './processing-error-handler';
import { partitionId, type PartitionOffset, type RawRecord, type StreamRecord } from './record';
import { partitionOfKey, RepartitionExchange, type RepartitionTransport } from './repartition-exchange';
import { SinkChannels } from './sink-channels';
import { checkStoreLayout } from './store-layout-check';
import { Task, type SourceIngest, type TaskHost } from './task';

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

/** One partition the engine reads, with everything the hot path needs at hand. */
interface Input {
  readonly id: string;
  readonly topic: string;
  readonly partition: number;
  readonly task: Task;
  /** For a source partition: its decoder and the task's entry; absent for a repartition partition. */
  readonly source?: { readonly node: SourceNode; readonly decode: (raw: RawRecord, now: number) => Decoded; readonly ingest: SourceIngest };
  /** Next offset to read. */
  position: number | undefined;
  lastActivity: number;
  caughtUp: boolean | undefined;
  idle: boolean;
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
  private readonly decoders = new Map<string, { source: SourceNode; decode: (raw: RawRecord, now: number) => Decoded }>();
  private readonly tasks = new Map<string, Task>();
  /** In process: the tasks of each re-keyed sub-topology, by partition. */
  private readonly repartitionTasks = new Map<number, Task[]>();
  /** The source partitions each in-process groupBy's re-keyed tasks follow (see `rekeyedWatermark`). */
  private readonly rekeyedInputs = new Map<GroupByNode, Input[]>();
  private readonly sinks = new SinkChannels();
  /** Inputs by topic, then partition. */
  private readonly inputs = new Map<string, Input[]>();
  private inputList: Input[] = [];
  private sourceInputs: Input[] = [];
  private exchange: RepartitionExchange | undefined;
  private commitId = 0;
  /** A commit started and not yet complete. */
  private committing = false;
  /** Why a commit failed: the engine commits no more (see `startCommit`). */
  private failedCommit: unknown;
  /** Something happened since the last commit (records, idle partitions moving, timer output). */
  private uncommitted = false;
  private readonly counters = emptyMetrics();
  private readonly host: TaskHost;
  /** The record `process` is handling: what a failure of the application's code on it dead-letters. */
  private reading: RawRecord | undefined;
  private readonly processingErrors: ProcessingErrorHandler;
  /** Why processing failed: the engine processes and commits no more (see `refuseAfterFailure`). */
  private failedProcessing: unknown;

  constructor(private readonly options: EngineOptions) {
    this.topology = options.topology;
    for (const source of this.topology.sources) this.decoders.set(source.topic, { source, decode: createDecoder(source, this.topology.reliesOnKafkaKey(source)) });
    this.host = {
      logger: options.logger,
      wallClockTime: () => options.clock.now(),
      repartition: (node, record, sequence) => this.repartition(node, record, sequence),
      sinkBuffer: (node) => {
        const push = this.sinks.bufferOf(node);
        const counts = this.counters.sinkRecords;
        const name = node.name;
        counts[name] = 0;
        return (record) => {
          push(record);
          counts[name]!++;
        };
      },
      countLate: (node) => {
        this.counters.late[node.name] = (this.counters.late[node.name] ?? 0) + 1;
      },
      processingFailed: (node, record, error, timer) => this.processingErrors.handle(node, record, error, this.reading, timer),
    };
    this.processingErrors = new ProcessingErrorHandler(this.counters.processingFailures, options.logger, options.clock, (topic, letter) => this.sendDeadLetter(topic, letter));
  }

  /**
   * Opens sinks, creates and restores the tasks of the assigned partitions, and returns, per
   * partition, the next offset the restored state expects (absent: no checkpoint yet).
   */
  async start(assignment: Assignment): Promise<Map<string, number>> {
    await adoptApplicationRegistries();
    await this.sinks.open(this.topology, (sink, name) => this.options.openSink(sink, name));
    const sub0 = this.topology.subtopologies[0]!;
    const sourceTasks = new Map<number, Task>();
    const sourceAssigned = assignment.partitions.filter((p) => this.decoders.has(p.topic));
    for (const p of [...new Set(sourceAssigned.map((tp) => tp.partition))].sort((a, b) => a - b)) {
      const task = new Task(sub0, p, this.topology, this.host, (topic) => p < (assignment.partitionCounts.get(topic) ?? 0));
      this.tasks.set(task.id, task);
      sourceTasks.set(p, task);
    }
    const repartitionAssigned: Array<{ topic: string; partition: number; task: Task }> = [];
    if (this.options.repartition) {
      this.exchange = new RepartitionExchange(this.topology, this.options.repartition, assignment.partitionCounts);
      for (const { topic, partition } of assignment.partitions) {
        const sub = this.exchange.subtopologyOf(topic);
        if (sub === undefined) continue;
        const task = new Task(this.topology.subtopologies[sub]!, partition, this.topology, this.host);
        this.tasks.set(task.id, task);
        repartitionAssigned.push({ topic, partition, task });
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
    checkStoreLayout(this.topology, snapshots, this.options.logger);
    for (const [id, snapshot] of snapshots) this.tasks.get(id)!.restore(snapshot);

    const now = this.options.clock.now();
    const input = (topic: string, partition: number, task: Task, source?: Input['source']): Input => {
      const id = partitionId(topic, partition);
      return { id, topic, partition, task, ...(source ? { source } : {}), position: task.offsets.get(id), lastActivity: now, caughtUp: undefined, idle: false };
    };
    this.rekeyedInputs.clear();
    this.sourceInputs = sourceAssigned.map(({ topic, partition }) => {
      const task = sourceTasks.get(partition)!;
      const { source, decode } = this.decoders.get(topic)!;
      return input(topic, partition, task, { node: source, decode, ingest: task.ingest(topic) });
    });
    this.inputList = [...this.sourceInputs, ...repartitionAssigned.map(({ topic, partition, task }) => input(topic, partition, task))];
    for (const i of this.inputList) {
      let byPartition = this.inputs.get(i.topic);
      if (byPartition === undefined) this.inputs.set(i.topic, (byPartition = []));
      byPartition[i.partition] = i;
    }
    // In process, the restored re-keyed tasks catch up with their sources' watermarks. Through
    // topics nothing is sent yet: an exactly-once runtime has no transaction open before start
    // returns; the first batch sends every watermark (none has been sent by this engine).
    if (!this.exchange) this.propagateWatermarks();
    this.options.logger.info('engine started', {
      tasks: [...this.tasks.keys()],
      restoredTasks: snapshots.size,
      commitId: this.commitId,
      stateBackend: this.options.backend.kind,
      repartition: this.exchange ? 'topics' : 'in process',
    });
    const resume = new Map<string, number>();
    for (const i of this.inputList) if (i.position !== undefined) resume.set(i.id, i.position);
    return resume;
  }

  /**
   * Tells the engine (and every sink) where reading resumes for each assigned partition: the
   * checkpoint's offsets from `start`, or, for partitions without one, the group's committed offset
   * or the reset position. Call it before the first `process`.
   */
  async resumeFrom(positions: readonly PartitionOffset[]): Promise<void> {
    for (const { topic, partition, offset } of positions) {
      const i = this.inputs.get(topic)?.[partition];
      if (i) i.position = offset;
    }
    await this.sinks.recover(positions);
  }

  /** Processes a batch of raw records, in order. */
  process(batch: readonly RawRecord[]): void {
    this.refuseAfterFailure();
    try {
      this.processBatch(batch);
    } catch (error) {
      this.failedProcessing = error;
      throw error;
    } finally {
      this.reading = undefined;
    }
  }

  private processBatch(batch: readonly RawRecord[]): void {
    const now = this.options.clock.now();
    if (batch.length > 0) this.uncommitted = true;
    for (const raw of batch) {
      const input = this.inputs.get(raw.topic)?.[raw.partition];
      if (input === undefined) throw new Error(`received a record of ${partitionId(raw.topic, raw.partition)}, which this engine was not assigned`);
      input.position = raw.offset + 1;
      this.reading = raw;
      const source = input.source;
      if (source === undefined) {
        this.exchange!.receive(raw, input.task);
        continue;
      }
      this.counters.recordsIn++;
      const decoded = source.decode(raw, now);
      if (!decoded.ok) {
        // Not activity: a partition that gets nothing but dead letters (a broken producer) has
        // no event time to hold windows at, and goes idle like a quiet one; counted as activity,
        // it held every re-keyed window open for as long as the garbage came.
        this.deadLetter(raw, decoded.reason);
        continue;
      }
      input.lastActivity = now;
      if (input.idle) {
        input.idle = false;
        this.options.logger.info('partition active again', { partition: input.id });
      }
      source.ingest(raw.offset, decoded.key, decoded.value, decoded.timestamp);
    }
    this.reading = undefined;
    this.propagateWatermarks();
    this.sinks.drain();
  }

  /**
   * The log of an assigned partition ends at `offset`, past the records processed so far: what
   * lies between holds no record to read (a transaction's commit marker, aborted records that a
   * read_committed consumer skips). Reading goes on from there, and the next commit says so.
   * Without it, a partition written in transactions stayed one offset short of its end: never
   * caught up (so never idle), lag 1, and its committed offset one short.
   */
  skipTo(topic: string, partition: number, offset: number): void {
    const input = this.inputs.get(topic)?.[partition];
    if (input === undefined || input.position === undefined || offset <= input.position) return;
    input.position = offset;
    this.uncommitted = true;
  }

  /** The next offset to read from an assigned partition: where `resumeFrom` put it, then after each record processed. */
  position(topic: string, partition: number): number | undefined {
    return this.inputs.get(topic)?.[partition]?.position;
  }

  /** Tells the engine whether a partition has data waiting (the idleness rule needs it). */
  setCaughtUp(topic: string, partition: number, caughtUp: boolean): void {
    const i = this.inputs.get(topic)?.[partition];
    if (i) i.caughtUp = caughtUp;
  }

  /**
   * Wall-clock housekeeping: partitions idle for `idleTimeoutMs` follow the others' event time, and
   * processing-time timers fire.
   */
  tick(): void {
    this.refuseAfterFailure();
    try {
      this.advanceWallClock();
    } catch (error) {
      this.failedProcessing = error;
      throw error;
    }
  }

  private advanceWallClock(): void {
    const now = this.options.clock.now();
    if (this.updateIdlePartitions(now)) this.uncommitted = true;
    // A processing-time timer that fired changed state (its own entry at least), even when what
    // it did reached no sink (a processor with no sink below it): that must be committed too.
    for (const task of this.tasks.values()) if (task.advanceWallClock(now)) this.uncommitted = true;
    if (this.sinks.drain()) this.uncommitted = true;
  }

  /** Whether a commit would persist anything: the runtime skips commits of an idle engine. */
  hasUncommittedWork(): boolean {
    return this.uncommitted;
  }

  /** Records buffered in sinks and not yet flushed. */
  bufferedRecords(): number {
    return this.sinks.buffered();
  }

  /**
   * Flushes every sink, then persists state and offsets. Returns the offsets the caller must commit
   * at the source, then call `committed()`. `beforeFinalize` runs after the state is prepared and
   * the sinks are flushed, and before the state is finalized: an exactly-once runtime commits its
   * Kafka transaction there, so state and transaction succeed or fail together (see `StateBackend`).
   */
  async commit(options: { beforeFinalize?: (info: CommitInfo) => Promise<void> } = {}): Promise<CommitInfo> {
    const { completion } = await this.startCommit(options);
    return completion;
  }

  /**
   * The first half of `commit`: takes what the commit holds (the sinks' output so far, every
   * task's changes, the offsets they reflect), and starts the sinks' flushes and the state's
   * prepare. When it resolves, the engine may process again while `completion` runs the commit's
   * slow part: the sinks' writes, the state's prepare and finalize (it resolves at once, unless
   * the backend streams a snapshot of the live stores). Records processed meanwhile belong to the next commit, which may
   * start only once `completion` has settled. A crash before `completion` resolves leaves a
   * prepared state that restore discards, as for any unfinished commit.
   */
  async startCommit(options: { beforeFinalize?: (info: CommitInfo) => Promise<void> } = {}): Promise<{ info: CommitInfo; completion: Promise<CommitInfo> }> {
    if (this.committing) throw new Error('engine: a commit is still in flight; wait for its completion before starting another');
    this.refuseAfterFailure();
    if (this.failedCommit !== undefined) {
      // Its snapshot took the tasks' changes: a later commit would not hold them.
      throw new Error('engine: an earlier commit failed; close this engine and start a new one, which restores the last completed commit', { cause: this.failedCommit });
    }
    this.committing = true;
    let flushed: Promise<unknown> = Promise.resolve();
    try {
      const started = Date.now();
      // Everything up to the first await is the commit's snapshot: the sinks take their output,
      // the tasks their changes, as of the same record.
      for (const task of this.tasks.values()) task.beforeCommit();
      this.sinks.drain();
      const offsets: PartitionOffset[] = [];
      for (const i of this.inputList) if (i.position !== undefined) offsets.push({ topic: i.topic, partition: i.partition, offset: i.position });
      const info: CommitInfo = { id: this.commitId + 1, offsets };
      // Every flush settles before a failure is thrown: the runtime stops on it, and a sink still
      // writing behind it could land its rows after another instance has taken the partitions.
      flushed = settleAll([...this.sinks.flush(info), this.options.repartition?.flush()]);
      flushed.catch(() => undefined); // awaited by the completion; a failure must not go unhandled meanwhile

      // What each task's state reflects: its own input partitions; in process, a re-keyed task has
      // seen every source record read so far.
      for (const i of this.inputList) if (i.position !== undefined) i.task.offsets.set(i.id, i.position);
      if (!this.exchange) {
        for (const tasks of this.repartitionTasks.values()) for (const task of tasks) for (const o of offsets) task.offsets.set(partitionId(o.topic, o.partition), o.offset);
      }
      // The changes hold the stores' live values: the backend takes what it needs before
      // `prepare` returns, except a snapshot it streams from the live stores (`allEntries`),
      // which it reads until its promise resolves: then the engine waits for it.
      let readsLiveStores = false;
      const changes = new Map<string, TaskChanges>();
      for (const task of this.tasks.values()) {
        const taken = task.takeChanges();
        const allEntries = taken.allEntries;
        const watched = allEntries && (() => ((readsLiveStores = true), allEntries()));
        changes.set(task.id, watched ? { ...taken, allEntries: watched } : taken);
      }
      this.uncommitted = false;
      const { backend } = this.options;
      // Prepared while the sinks write: a prepared commit is invisible until finalized.
      const prepared = backend.prepare(this.topology.applicationId, info.id, changes);
      prepared.catch(() => undefined); // awaited by the completion
      if (readsLiveStores) await prepared;
      const completion = (async () => {
        try {
          // Both settle before a failure is thrown: nothing of a failed commit goes on behind it.
          const outcomes = await Promise.allSettled([flushed, prepared]);
          for (const outcome of outcomes) if (outcome.status === 'rejected') throw outcome.reason;
          await options.beforeFinalize?.(info);
          await backend.finalize(this.topology.applicationId, info.id);
          this.commitId = info.id;
          this.counters.commits++;
          this.counters.lastCommitMs = Date.now() - started;
          this.counters.commitMsTotal += this.counters.lastCommitMs;
          return info;
        } catch (error) {
          this.failedCommit = error;
          throw error;
        } finally {
          this.committing = false;
        }
      })();
      return { info, completion };
    } catch (error) {
      // Nothing of a failed commit goes on in the background: the sinks' writes end first.
      await flushed.catch(() => undefined);
      this.failedCommit = error;
      this.committing = false;
      throw error;
    }
  }

  /** The source committed the offsets of `info`: sinks may finalize (e.g. end a transaction). */
  async committed(info: CommitInfo): Promise<void> {
    await this.sinks.committed(info);
  }

  metrics(): EngineMetrics {
    const storeEntries: Record<string, number> = {};
    for (const task of this.tasks.values()) {
      for (const [name, size] of task.storeSizes()) storeEntries[name] = (storeEntries[name] ?? 0) + size;
    }
    return {
      ...structuredClone(this.counters),
      sinkFlushMs: this.sinks.flushTimes(),
      storeEntries,
      watermarks: Object.fromEntries(this.sourceWatermarks()),
      idlePartitions: this.sourceInputs.filter((i) => i.idle).map((i) => i.id),
    };
  }

  /** Closes the sinks and the tasks' stores. Uncommitted work is dropped: call `commit()` first for a clean stop. */
  async close(): Promise<void> {
    await this.sinks.close(this.options.logger);
    for (const task of this.tasks.values()) task.close();
  }

  /**
   * After a failure in `process` or `tick` (a ProcessingFailure, an error of the machine), the
   * engine goes no further: a record after it, or a commit, would commit past the record that
   * failed, which a restart must meet again. A runtime stops; a test restarts.
   */
  private refuseAfterFailure(): void {
    if (this.failedProcessing === undefined) return;
    throw new Error('engine: processing failed at an earlier record; close this engine and start a new one (the test driver: restart()), which restores the last completed commit', {
      cause: this.failedProcessing,
    });
  }

  private deadLetter(raw: RawRecord, reason: string): void {
    this.sendDeadLetter(raw.topic, deadLetterOf(raw, reason));
  }

  /** `topic`: the source whose dead-letter sink takes the letter. */
  private sendDeadLetter(topic: string, letter: DeadLetter): void {
    this.counters.deadLettered++;
    const push = this.sinks.deadLetterBufferOf(topic);
    if (push === undefined) {
      this.options.logger.warn('invalid record (no dead-letter sink configured for this source)', {
        reason: letter.reason,
        topic: letter.topic,
        partition: letter.partition,
        offset: letter.offset,
        value: letter.value?.toString('utf8').slice(0, 500) ?? null,
      });
      return;
    }
    push({ value: letter, timestamp: letter.timestamp ?? this.options.clock.now() });
  }

  /** Sends a re-keyed record on: through its repartition topic, or in process to the task of its key's partition. */
  private repartition(node: GroupByNode, record: StreamRecord, sequence: number): void {
    if (this.exchange) {
      // A derived record (no source partition) is refused by `send`, with its reason.
      const { topic, partition } = record.origin;
      const input = this.inputs.get(topic)?.[partition];
      this.exchange.send(node, record, sequence, input?.source ? input.task.streamTime(topic) - input.source.node.watermarkDelay : Number.NaN);
      return;
    }
    const sub = this.topology.subtopologyOf(this.topology.childrenOf(node)[0]!);
    const tasks = this.repartitionTasks.get(sub.id)!;
    const task = tasks[partitionOfKey(record.key, tasks.length)]!;
    // The watermark as of this record, before it, as a groupByKey task's would be: timers and
    // windows due by then act before the record, however the records were batched. A record a
    // stateful operator derived as its watermark moved (a closed window, a timer's output) carries
    // the watermark from before that advance: the task goes no further, or that record and the
    // others of the same advance would find their windows closed; nor past the lowest partition's
    // (the derived record's is its own partition's). At a second hop no record, derived or not (a
    // processor's emit in `process` keeps its source record's origin), takes it past the slowest
    // task of the sub-topology that sent it.
    const bound = Math.min(this.rekeyedWatermark(node), this.slowestSender(node));
    const watermark = record.origin.offset < 0 ? Math.min(record.origin.watermark, bound) : bound;
    if (watermark !== Infinity) task.advanceWatermark(watermark);
    task.processRepartitioned(record);
  }

  /**
   * The lowest watermark of the tasks of a groupBy's own sub-topology, when that one is re-keyed
   * too (a second hop). Each of them closes its windows as its own watermark moves, so one that
   * has not moved yet still holds results for windows another has sent past: going further, the
   * task below would close a window before those results reach it. A groupBy in sub-topology 0
   * needs no such bound: its tasks follow their source partitions, which `rekeyedWatermark` reads.
   */
  private slowestSender(groupBy: GroupByNode): number {
    const tasks = this.repartitionTasks.get(this.topology.subtopologyOf(groupBy).id);
    if (tasks === undefined) return Infinity;
    let min = Infinity;
    for (let k = 0; k < tasks.length; k++) min = Math.min(min, tasks[k]!.lowestWatermark());
    return min;
  }

  /**
   * A re-keyed task sees records from every partition of its groupBy's source: its watermark is
   * the lowest over them (idle ones having followed the others). Other sources do not hold it back.
   */
  private rekeyedWatermark(groupBy: GroupByNode): number {
    let inputs = this.rekeyedInputs.get(groupBy);
    if (inputs === undefined) {
      const { topic } = rootSourceOf(groupBy);
      this.rekeyedInputs.set(groupBy, (inputs = this.sourceInputs.filter((i) => i.topic === topic)));
    }
    let min = Infinity;
    for (let k = 0; k < inputs.length; k++) {
      const i = inputs[k]!;
      const watermark = i.task.streamTime(i.topic) - i.source!.node.watermarkDelay;
      if (watermark < min) min = watermark;
    }
    return min;
  }

  /** The watermark of each assigned source partition. */
  private sourceWatermarks(): Map<string, number> {
    const out = new Map<string, number>();
    for (const i of this.sourceInputs) out.set(i.id, i.task.streamTime(i.topic) - i.source!.node.watermarkDelay);
    return out;
  }

  /**
   * Re-keyed tasks follow their groupBy's source partitions (see `rekeyedWatermark`): in process,
   * set directly here and before each re-keyed record; through topics, as watermark records.
   */
  private propagateWatermarks(): void {
    // Through topics: every source partition's watermark that moved goes to every repartition
    // partition, once per batch (a few small records, however large the batch).
    if (this.exchange) {
      this.exchange.broadcastWatermarks(this.sourceWatermarks());
      return;
    }
    for (const [id, tasks] of this.repartitionTasks) {
      const min = this.rekeyedWatermark(this.topology.subtopologies[id]!.repartition!);
      if (min === Infinity) continue;
      for (const task of tasks) task.advanceWatermark(min);
    }
  }

  /** Returns whether an idle partition's event time moved. */
  private updateIdlePartitions(now: number): boolean {
    const { idleTimeoutMs } = this.options;
    const active: Input[] = [];
    const idle: Input[] = [];
    for (const i of this.sourceInputs) {
      const quiet = now - i.lastActivity >= idleTimeoutMs && i.caughtUp !== false;
      (quiet ? idle : active).push(i);
      if (quiet && !i.idle) {
        i.idle = true;
        this.options.logger.info('partition idle: it no longer holds windows open', { partition: i.id, idleTimeoutMs });
      }
    }
    if (idle.length === 0 || active.length === 0) return false;
    // An idle partition's event time follows the slowest active partition of its own topic: each
    // source has its own watermark, and another topic's (its delay, its lag) is not this one's.
    const slowest = new Map<string, number>();
    for (const i of active) slowest.set(i.topic, Math.min(slowest.get(i.topic) ?? Infinity, i.task.streamTime(i.topic)));
    let moved = false;
    for (const i of idle) {
      const target = slowest.get(i.topic);
      if (target !== undefined && target !== -Infinity && i.task.raiseStreamTime(i.topic, target)) moved = true;
    }
    this.propagateWatermarks();
    return moved;
  }
}

/** Like `Promise.all`, but waits for every promise to settle before rejecting with the first failure. */
async function settleAll(promises: ReadonlyArray<Promise<unknown> | undefined>): Promise<void> {
  const outcomes = await Promise.allSettled(promises);
  for (const outcome of outcomes) if (outcome.status === 'rejected') throw outcome.reason;
}
