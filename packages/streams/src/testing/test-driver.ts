import type { StreamsApp } from '../dsl/streams-app';
import { silentLogger, type Logger } from '../logging/logger';
import { Engine } from '../runtime/engine';
import { repartitionTopicName } from '../runtime/repartition-exchange';
import type { EngineMetrics } from '../runtime/metrics';
import { partitionId, type RawRecord } from '../runtime/record';
import type { Sink, SinkRecord, SinkWriter } from '../sinks/sink';
import type { DeadLetter } from '../sources/dead-letter';
import { createDecoder, type Decoded } from '../sources/decoder';
import { memoryBackend } from '../state/backends/memory-backend';
import type { StateBackend } from '../state/backends/state-backend';
import { VirtualClock } from '../time/clock';
import { parseDuration, type Duration } from '../time/duration';
import type { Topology } from '../topology/topology';
import { murmur3 } from '../util/murmur3';

export interface TestDriverOptions {
  /** Partitions per source topic (a number for all of them). Default 1. */
  readonly partitions?: number | Readonly<Record<string, number>>;
  /** `each` (default): commit after every piped record, as Kafka Streams' driver does. `manual`: call `commit()`. */
  readonly commit?: 'each' | 'manual';
  /** Wall-clock time after which a partition with no new records is idle. Default 30s. */
  readonly idleTimeout?: Duration;
  /** Where state is committed. Default: in memory, which survives `restart()`. */
  readonly backend?: StateBackend;
  /**
   * Initial wall-clock time (epoch ms). Default 0, 1970: give it when a source has
   * `maxTimeAhead`, or every record of today is ahead of the clock and dead-lettered (a piped
   * record's own `timestamp` does not help: one later than the clock is judged by the clock).
   */
  readonly wallClockStart?: number;
  readonly logger?: Logger;
  /**
   * `in-process` (default): re-keyed records go straight to their task. `topics`: through
   * in-memory repartition topics, as the Kafka runtime does when instances share the work; a
   * `restart()` then also replays those topics from the offsets the state reflects.
   */
  readonly repartition?: 'in-process' | 'topics';
}

export interface PipeOptions {
  /** Target partition. Default: by the hash of `key` when given, else 0. */
  readonly partition?: number;
  /**
   * Kafka record key (bytes of the string; `null`: no key). Default: the source's key of the
   * value, as text (a number as its digits), as a producer keyed by it would send it. The
   * partition is still 0 unless `partition` is given, or `key` is.
   */
  readonly key?: string | null;
  /**
   * The record's Kafka timestamp (default: the virtual clock); event time still comes from the
   * value. `maxTimeAhead` judges against it, or against the clock if that is earlier.
   */
  readonly timestamp?: number;
}

interface Captured {
  pending: SinkRecord<unknown>[];
  flushed: SinkRecord<unknown>[];
}

/**
 * Runs a streams app with no broker, in virtual time, like Kafka Streams' TopologyTestDriver:
 * pipe records into topics (choosing partitions), move the wall clock, commit, read what reached
 * each sink and what each store holds, crash and restart from the last commit.
 *
 * Sinks are never opened: the driver captures what reaches them. Output becomes visible when it is
 * flushed, i.e. at a commit, as it would in a real sink.
 *
 * @example
 * const driver = await TopologyTestDriver.create(app, { partitions: 3 });
 * await driver.pipe('user_activity', { event_time: '2024-01-01T00:00:10Z', ... }, { partition: 1 });
 * expect(driver.values(pageViews)).toEqual([...]);
 */
export class TopologyTestDriver {
  private readonly clock: VirtualClock;
  private readonly topology: Topology;
  private readonly backend: StateBackend;
  private readonly captured = new Map<Sink<never>, Captured>();
  /** Every record piped, per partition, as a topic would keep them. */
  private readonly logs = new Map<string, RawRecord[]>();
  /** Pipe order across partitions, replayed after a restart. */
  private readonly history: RawRecord[] = [];
  /** Repartition topics (`repartition: 'topics'`): every record sent, per partition. */
  private readonly internal = new Map<string, RawRecord[]>();
  /** Sent to a repartition topic and not yet read. */
  private pendingInternal: RawRecord[] = [];
  /** Decoders of the sources without a dead-letter sink, whose invalid records `pipe` reports. */
  private readonly unguarded = new Map<string, (raw: RawRecord, now: number) => Decoded>();
  private engine!: Engine;

  private constructor(
    app: StreamsApp,
    private readonly options: TestDriverOptions,
  ) {
    this.topology = app.topology();
    this.clock = new VirtualClock(options.wallClockStart ?? 0);
    this.backend = options.backend ?? memoryBackend();
  }

  static async create(app: StreamsApp, options: TestDriverOptions = {}): Promise<TopologyTestDriver> {
    const driver = new TopologyTestDriver(app, options);
    await driver.startEngine();
    return driver;
  }

  /** The topology under test. */
  describe(): string {
    return this.topology.describe();
  }

  partitionsOf(topic: string): number {
    const p = this.options.partitions;
    return typeof p === 'number' ? p : (p?.[topic] ?? 1);
  }

  /**
   * Pipes one value (objects are JSON-encoded; strings and Buffers are sent as they are). A value
   * its source cannot read (not JSON, not the schema, no valid time) is skipped, as on Kafka; when
   * the source has no dead-letter sink, the pipe then rejects with the reason.
   */
  async pipe(topic: string, value: unknown, options: PipeOptions = {}): Promise<void> {
    // Checked before the record joins the log: one the engine refuses would fail every restart's replay.
    if (!this.topology.sources.some((s) => s.topic === topic)) {
      throw new Error(`the app reads no topic ${topic} (it reads ${this.topology.sources.map((s) => s.topic).join(', ')})`);
    }
    const bytes = value === null ? null : Buffer.isBuffer(value) ? value : Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));
    const partition = options.partition ?? (typeof options.key === 'string' ? murmur3(options.key) % this.partitionsOf(topic) : 0);
    if (partition < 0 || partition >= this.partitionsOf(topic)) {
      throw new RangeError(`topic ${topic} has ${this.partitionsOf(topic)} partitions; there is no partition ${partition}`);
    }
    const id = partitionId(topic, partition);
    let log = this.logs.get(id);
    if (log === undefined) this.logs.set(id, (log = []));
    const raw: RawRecord = {
      topic,
      partition,
      offset: log.length,
      key: kafkaKeyOf(options.key === undefined ? this.sourceKeyOf(topic, bytes) : options.key),
      value: bytes,
      timestamp: options.timestamp ?? this.clock.now(),
    };
    log.push(raw);
    this.history.push(raw);
    this.process([raw]);
    if ((this.options.commit ?? 'each') === 'each') await this.commit();
    // The engine skips an invalid record, and with no dead-letter sink only logs it (through a
    // silent logger here): a test record with a misspelt field would vanish without a word.
    const decoded = this.unguardedDecoder(topic)?.(raw, this.clock.now());
    if (decoded?.ok === false) {
      throw new Error(`the record piped to ${topic} (partition ${partition}, offset ${raw.offset}) is invalid and was skipped (${decoded.reason}); give the source a deadLetter sink to test invalid records`);
    }
  }

  /** The source's key of a value, as a producer keyed by it would send it: null when it has none. */
  private sourceKeyOf(topic: string, bytes: Buffer | null): string | null {
    const source = this.topology.sources.find((s) => s.topic === topic)!;
    try {
      const key: unknown = source.key(JSON.parse(bytes!.toString('utf8')));
      return typeof key === 'string' || (typeof key === 'number' && Number.isFinite(key)) ? String(key) : null;
    } catch {
      return null; // not JSON, or not the schema: the decoder dead-letters it whatever the key
    }
  }

  private unguardedDecoder(topic: string): ((raw: RawRecord, now: number) => Decoded) | undefined {
    const source = this.topology.sources.find((s) => s.topic === topic);
    if (source === undefined || source.deadLetter !== undefined) return undefined;
    let decode = this.unguarded.get(topic);
    if (decode === undefined) this.unguarded.set(topic, (decode = createDecoder(source, this.topology.reliesOnKafkaKey(source))));
    return decode;
  }

  /** Processes records, then whatever they sent to repartition topics, until nothing is left. */
  private process(batch: RawRecord[]): void {
    this.engine.process(batch);
    while (this.pendingInternal.length > 0) {
      const sent = this.pendingInternal;
      this.pendingInternal = [];
      this.engine.process(sent);
    }
  }

  /** Pipes several values in order; like `pipe`, it rejects at the first invalid value (with no dead-letter sink), and pipes none after it. */
  async pipeAll(topic: string, values: Iterable<unknown>, options: PipeOptions = {}): Promise<void> {
    for (const value of values) await this.pipe(topic, value, options);
  }

  /** Emits update-mode results, flushes sinks and commits state and offsets. */
  async commit(): Promise<void> {
    const info = await this.engine.commit();
    await this.engine.committed(info);
    this.process([]); // watermarks sent at the commit
  }

  /** Moves the virtual wall clock: idle partitions, processing-time timers. */
  async advanceWallClock(by: Duration): Promise<void> {
    this.clock.advance(parseDuration(by, 'advanceWallClock'));
    this.engine.tick();
    this.process([]);
    if ((this.options.commit ?? 'each') === 'each') await this.commit();
  }

  wallClockTime(): number {
    return this.clock.now();
  }

  /** Records a sink has received and flushed (committed), in order. Throws for a sink the app does not write to. */
  output<T>(sink: Sink<T>): SinkRecord<T>[] {
    // A sink the app does not have would read as one that got nothing: say so instead.
    const named = [
      ...this.topology.sinks.map((n) => ({ sink: n.sink, name: `${n.name} (${n.sink.kind} ${n.sink.target})` })),
      ...this.topology.sources.flatMap((s) => (s.deadLetter ? [{ sink: s.deadLetter, name: `dead letters of ${s.topic} (${s.deadLetter.kind} ${s.deadLetter.target})` }] : [])),
    ];
    if (!named.some((n) => n.sink === (sink as Sink<never>))) {
      throw new Error(`the app writes to no such sink (its sinks: ${named.map((n) => n.name).join(', ') || 'none'})`);
    }
    return [...(this.captured.get(sink as Sink<never>)?.flushed ?? [])] as SinkRecord<T>[];
  }

  /** The values of `output(sink)`. */
  values<T>(sink: Sink<T>): T[] {
    return this.output(sink).map((r) => r.value);
  }

  /** Dead letters of every source that has a dead-letter sink. */
  deadLetters(): DeadLetter[] {
    return this.topology.sources.flatMap((s) => (s.deadLetter ? this.values(s.deadLetter) : []));
  }

  /** Committed entries of a store, over all tasks, decoded as the backend holds them. Rejects for a name the app has no store of. */
  async storeEntries(storeName: string): Promise<Array<[unknown, unknown]>> {
    const stores = this.topology.subtopologies.flatMap((sub) => sub.stores);
    if (!stores.includes(storeName)) throw new Error(`the app has no store '${storeName}' (its stores: ${stores.join(', ') || 'none'})`);
    const taskIds = this.taskIds();
    const snapshots = await this.backend.restore(this.topology.applicationId, taskIds);
    const out: Array<[unknown, unknown]> = [];
    for (const snapshot of snapshots.values()) {
      for (const [key, value] of snapshot.stores.get(storeName) ?? []) out.push([JSON.parse(key), value]);
    }
    return out;
  }

  metrics(): EngineMetrics {
    return this.engine.metrics();
  }

  /**
   * Simulates a crash and restart: everything since the last commit is lost (uncommitted state,
   * unflushed output), a new engine restores the last commit, and the records piped after it are
   * read again, in their original order.
   */
  async restart(): Promise<void> {
    for (const captured of this.captured.values()) captured.pending = [];
    this.pendingInternal = [];
    const resume = await this.startEngine();
    const unread = (r: RawRecord) => r.offset >= (resume.get(partitionId(r.topic, r.partition)) ?? 0);
    // Repartition topics keep what was sent before the crash (at-least-once): read what the state has not.
    this.process([...this.internal.values()].flat().filter(unread));
    for (const raw of this.history.filter(unread)) {
      this.process([raw]);
      if ((this.options.commit ?? 'each') === 'each') await this.commit();
    }
  }

  async close(): Promise<void> {
    await this.engine.close();
  }

  private taskIds(): string[] {
    const ids: string[] = [];
    const max = this.repartitionPartitions();
    for (const sub of this.topology.subtopologies) for (let p = 0; p < max; p++) ids.push(`${sub.id}_${p}`);
    return ids;
  }

  private repartitionPartitions(): number {
    return Math.max(1, ...this.topology.sources.map((s) => this.partitionsOf(s.topic)));
  }

  private async startEngine(): Promise<Map<string, number>> {
    const topics = this.options.repartition === 'topics';
    this.engine = new Engine({
      topology: this.topology,
      backend: this.backend,
      clock: this.clock,
      logger: this.options.logger ?? silentLogger,
      idleTimeoutMs: parseDuration(this.options.idleTimeout ?? '30s', 'idleTimeout'),
      openSink: async (sink) => this.captureWriter(sink),
      ...(topics
        ? {
            repartition: {
              send: (topic: string, partition: number, key: Buffer | null, value: Buffer) => {
                const id = partitionId(topic, partition);
                let log = this.internal.get(id);
                if (log === undefined) this.internal.set(id, (log = []));
                const raw: RawRecord = { topic, partition, offset: log.length, key, value };
                log.push(raw);
                this.pendingInternal.push(raw);
              },
              flush: async () => {},
            },
          }
        : {}),
    });
    const partitions: Array<{ topic: string; partition: number }> = [];
    const partitionCounts = new Map<string, number>();
    for (const source of this.topology.sources) {
      const n = this.partitionsOf(source.topic);
      partitionCounts.set(source.topic, n);
      for (let partition = 0; partition < n; partition++) partitions.push({ topic: source.topic, partition });
    }
    if (topics) {
      for (const sub of this.topology.subtopologies) {
        if (!sub.repartition) continue;
        const topic = repartitionTopicName(this.topology.applicationId, sub.repartition);
        partitionCounts.set(topic, this.repartitionPartitions());
        for (let partition = 0; partition < this.repartitionPartitions(); partition++) partitions.push({ topic, partition });
      }
    }
    const resume = await this.engine.start({ partitions, partitionCounts });
    await this.engine.resumeFrom(partitions.map(({ topic, partition }) => ({ topic, partition, offset: resume.get(partitionId(topic, partition)) ?? 0 })));
    return resume;
  }

  private captureWriter(sink: Sink<never>): SinkWriter<unknown> {
    let captured = this.captured.get(sink);
    if (captured === undefined) this.captured.set(sink, (captured = { pending: [], flushed: [] }));
    const c = captured;
    return {
      write: (records) => {
        c.pending.push(...records);
      },
      get buffered() {
        return c.pending.length;
      },
      flush: async () => {
        c.flushed.push(...c.pending);
        c.pending = [];
      },
      close: async () => {},
    };
  }
}

function kafkaKeyOf(key: string | null): Buffer | null {
  return key === null ? null : Buffer.from(key);
}
