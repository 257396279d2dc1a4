import { CODES, Producer, type DeliveryReport, type KafkaConsumer, type LibrdKafkaError, type MessageHeader } from 'node-rdkafka';
import type { Logger } from '../../logging/logger';
import type { PartitionOffset } from '../../runtime/record';
import { baseConfig, type KafkaConnection } from './connection';
import { connectClient } from './connect-client';
import { isFencing, isPurge } from './fencing';
import * as rd from './promisified';

export interface KafkaProducerOptions {
  readonly connection: KafkaConnection;
  readonly clientId: string;
  /** Makes the producer transactional (exactly-once). */
  readonly transactionalId?: string;
  readonly logger: Logger;
  readonly timeoutMs?: number;
  /** What to do when a newer producer with the same transactional id fenced this one (the end of the error's message). */
  readonly fencedHint?: string;
}

interface Pending {
  topic: string;
  partition: number | null;
  value: Buffer | null;
  key: Buffer | string | null;
  timestamp: number | undefined;
  headers: MessageHeader[] | undefined;
}

/** librdkafka's `message.max.bytes` for a connection: its own setting, else librdkafka's default. */
export function maxMessageBytes(connection: KafkaConnection): number {
  return Number(connection.config?.['message.max.bytes'] ?? 1_000_000);
}

/** The producer's tuning; `connection.config` overrides any of it. */
const PRODUCER_DEFAULTS = {
  'linger.ms': 5,
  'batch.num.messages': 10_000,
  'compression.type': 'lz4',
  'queue.buffering.max.messages': 500_000,
  'queue.buffering.max.kbytes': 262_144,
};

/**
 * The settings of a runtime producer: its tuning, the user's `connection.config` over it, then
 * what the runtime fixes (KafkaStreams refuses those in connection.config: runtime-owned-settings.ts).
 */
export function producerConfig(options: Pick<KafkaProducerOptions, 'connection' | 'clientId' | 'transactionalId'>): Record<string, string | number | boolean> {
  // A transaction spans the sinks' flush: 60 s, not Kafka Streams' 10 s, so that a database
  // stalling for seconds does not abort commits.
  const transactional: Record<string, number> = options.transactionalId ? { 'transaction.timeout.ms': 60_000 } : {};
  return {
    ...baseConfig(options.connection, options.clientId, { ...PRODUCER_DEFAULTS, ...transactional }),
    dr_cb: true,
    'delivery.report.only.error': true,
    'enable.idempotence': true,
    ...(options.transactionalId ? { 'transactional.id': options.transactionalId } : {}),
  };
}

/**
 * An idempotent (optionally transactional) producer shared by every Kafka sink of a runtime.
 * `send` never blocks: when librdkafka's queue is full the record waits in a backlog that later
 * sends drain. `flush` resolves once every record sent before it is acknowledged by the brokers,
 * and rejects if any delivery failed, so the engine never commits past a lost record.
 *
 * Records sent while a flush is in flight (the engine goes on processing during a commit) wait in
 * the backlog until it ends: librdkafka's flush waits for an empty queue, which a steady stream of
 * new records could keep from ever happening, and they belong to the next commit anyway.
 *
 * Delivery reports come only for failures (`delivery.report.only.error`): a report per record
 * costs a JavaScript callback each, which halved the producer's throughput here. librdkafka's
 * flush returns once every record is delivered or failed, and a failure's report is already
 * queued for JavaScript by then; `flush` lets it arrive before it judges.
 */
export class KafkaProducer {
  /** Records handed to librdkafka since the last completed flush (for backpressure). */
  private sinceFlush = 0;
  /** The first delivery that failed since the last flush judged, and how many failed in all. */
  private failure: { readonly error: Error; readonly topic?: string; readonly partition?: number; count: number } | undefined;
  private backlog: Pending[] = [];
  private transactionOpen = false;
  /** Records handed to `send` so far, and the flush in flight with how many of them it covers. */
  private sent = 0;
  private flushing: { readonly covers: number; readonly done: Promise<void> } | undefined;
  private readonly timeoutMs: number;
  /** The error that said a newer producer with this transactional id fenced this one. */
  private fenced: Error | undefined;

  private constructor(
    private readonly producer: Producer,
    private readonly options: KafkaProducerOptions,
  ) {
    this.timeoutMs = options.timeoutMs ?? 30_000;
    producer.on('delivery-report', (err: LibrdKafkaError | null, report: DeliveryReport | undefined) => {
      if (!err) return;
      // Where it was going: a batch fails as a whole, and the operator must know which topic refused it.
      if (this.failure === undefined) this.failure = { error: rd.toError(err), topic: report?.topic, partition: report?.partition, count: 0 };
      if (this.transactional && isFencing(err)) this.fenced ??= rd.toError(err);
      this.failure.count++;
    });
    producer.on('event.error', (err: LibrdKafkaError) => {
      options.logger.warn('kafka producer error', { code: err.code, error: err.message });
      if (this.transactional && isFencing(err)) this.fenced ??= rd.toError(err);
      if (err.isFatal && this.failure === undefined) this.failure = { error: rd.toError(err), count: 0 };
    });
  }

  static async connect(options: KafkaProducerOptions): Promise<KafkaProducer> {
    const config = producerConfig(options);
    const producer = new Producer(config);
    producer.setPollInterval(20);
    await connectClient(producer, { client: String(config['client.id']), brokers: options.connection.brokers, timeoutMs: options.timeoutMs ?? 30_000, logger: options.logger });
    const handle = new KafkaProducer(producer, options);
    if (options.transactionalId) {
      try {
        await rd.initTransactions(producer, options.timeoutMs ?? 30_000);
      } catch (error) {
        // Timed out, or the broker refused the transactional id: the start fails; leave no client behind.
        await rd.disconnectProducer(producer);
        throw error;
      }
    }
    return handle;
  }

  /** The largest record librdkafka takes from this producer (`message.max.bytes`): key, value, headers and framing. */
  get maxMessageBytes(): number {
    return maxMessageBytes(this.options.connection);
  }

  get transactional(): boolean {
    return this.options.transactionalId !== undefined;
  }

  /** Records handed over since the last flush. */
  get buffered(): number {
    return this.sinceFlush + this.backlog.length;
  }

  /** Queues a record; `partition` null lets the partitioner choose from the key. */
  send(topic: string, key: Buffer | string | null, value: Buffer | null, headers?: MessageHeader[], timestamp?: number, partition: number | null = null): void {
    if (this.transactional && !this.transactionOpen) throw new Error('kafka producer: no open transaction (the runtime begins one per commit)');
    this.sent++;
    // The record object only when it waits: this runs for every record a sink writes.
    if (this.flushing === undefined && this.backlog.length === 0 && this.tryProduce(topic, partition, key, value, timestamp, headers)) return;
    this.backlog.push({ topic, partition, key, value, timestamp, headers });
  }

  /**
   * Resolves when everything sent before the call is acknowledged; rejects on the first failed
   * delivery. Sinks sharing the producer flush it together: they share one flush.
   */
  flush(): Promise<void> {
    const target = this.sent;
    const current = this.flushing;
    if (current !== undefined) {
      if (current.covers >= target) return current.done;
      // Records came after the flush in flight began: they need a flush of their own.
      return current.done.catch(() => undefined).then(() => this.flush());
    }
    const done = this.flushSent().finally(() => {
      this.flushing = undefined;
      this.drainBacklog();
    });
    this.flushing = { covers: target, done };
    return done;
  }

  private async flushSent(): Promise<void> {
    // The backlog so far holds records sent before this flush; later ones queue behind them.
    let mine = this.backlog;
    this.backlog = [];
    while (mine.length > 0) {
      mine = this.produceAll(mine);
      if (mine.length > 0) await rd.flush(this.producer, 100).catch(() => undefined);
    }
    const flushing = this.sinceFlush;
    await rd.flush(this.producer, this.timeoutMs).catch((error: Error) => {
      throw new Error(`kafka producer: records not acknowledged within ${this.timeoutMs} ms: ${error.message}`);
    });
    // The queue is empty now; a failure's report reaches JavaScript through node-rdkafka's
    // dispatcher a moment after the flush's own callback: let it arrive before judging.
    await new Promise((r) => setTimeout(r, 5));
    this.sinceFlush = Math.max(0, this.sinceFlush - flushing);
    const failure = this.failure;
    this.failure = undefined;
    if (failure === undefined) return;
    // A fenced transactional producer purges its queue: the records' reports ("purged in queue")
    // may reach JavaScript before the fatal error that explains them.
    if (this.transactional && this.fenced === undefined && isPurge(failure.error)) await this.waitForFencing(1_000);
    const error = new Error(`kafka producer: ${undelivered(failure)}: ${failure.error.message}`, { cause: failure.error });
    throw this.fencedError(error) ?? error;
  }

  /**
   * The error to throw when this producer was fenced (a transaction call refused with
   * ERR__FENCED, ERR_PRODUCER_FENCED or INVALID_PRODUCER_EPOCH, or the fatal error librdkafka
   * reported): a newer producer took its transactional id, most likely another instance with the
   * same instanceId. librdkafka's own words ("purged in queue", "fenced by a newer instance")
   * name neither. Undefined when it was not fenced.
   */
  private fencedError(error: unknown): Error | undefined {
    if (!this.transactional) return undefined;
    if (this.fenced === undefined && isFencing(error as LibrdKafkaError)) this.fenced = error as Error;
    if (this.fenced === undefined) return undefined;
    const hint = this.options.fencedHint ?? 'give each producer its own transactional id';
    const said = this.fenced === error ? this.fenced.message : `${this.fenced.message}; ${(error as Error).message}`;
    return new Error(`kafka producer: fenced: another instance uses the transactional id '${this.options.transactionalId}': ${hint} (librdkafka: ${said})`, { cause: error });
  }

  private async waitForFencing(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.fenced === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  }

  /** Runs a transaction call; a refusal because this producer was fenced says so. */
  private async transactionCall(call: () => Promise<void>): Promise<void> {
    try {
      await call();
    } catch (error) {
      throw this.fencedError(error) ?? error;
    }
  }

  /** Whether a transaction is open (begun and neither committed nor aborted). */
  get inTransaction(): boolean {
    return this.transactionOpen;
  }

  async beginTransaction(): Promise<void> {
    await this.transactionCall(() => rd.beginTransaction(this.producer));
    this.transactionOpen = true;
  }

  /** Adds the consumed offsets (if any) to the open transaction and commits it (exactly-once v2). */
  async commitTransaction(offsets: readonly PartitionOffset[], consumer: KafkaConsumer | undefined): Promise<void> {
    await this.flush();
    if (offsets.length > 0) {
      if (consumer === undefined) throw new Error('kafka producer: offsets need the consumer whose group commits them');
      await this.transactionCall(() => rd.sendOffsetsToTransaction(this.producer, offsets.map((o) => ({ ...o })), consumer, this.timeoutMs));
    }
    await this.transactionCall(() => rd.commitTransaction(this.producer, this.timeoutMs));
    this.transactionOpen = false;
  }

  async abortTransaction(): Promise<void> {
    this.backlog = [];
    if (!this.transactionOpen) return;
    await this.transactionCall(() => rd.abortTransaction(this.producer, this.timeoutMs));
    this.transactionOpen = false;
  }

  async close(): Promise<void> {
    try {
      if (!this.transactional) await this.flush();
    } finally {
      await rd.disconnectProducer(this.producer);
    }
  }

  private tryProduce(topic: string, partition: number | null, key: Buffer | string | null, value: Buffer | null, timestamp?: number, headers?: MessageHeader[]): boolean {
    try {
      this.producer.produce(topic, partition, value, key ?? undefined, timestamp, undefined, headers);
      this.sinceFlush++;
      return true;
    } catch (error) {
      const code = (error as LibrdKafkaError).code;
      if (code === CODES.ERRORS.ERR__QUEUE_FULL) return false;
      // librdkafka refuses it before any broker sees it; its message alone ("Broker: Message size
      // too large") names neither the topic nor the limit.
      const size = (value?.length ?? 0) + (typeof key === 'string' ? Buffer.byteLength(key) : (key?.length ?? 0));
      const why = code === CODES.ERRORS.ERR_MSG_SIZE_TOO_LARGE ? "larger than the producer's message.max.bytes" : (error as Error).message;
      throw new Error(`kafka producer: cannot send a record of ${size} bytes to topic ${topic}: ${why}`, { cause: error });
    }
  }

  /** Hands the backlog to librdkafka, as much as its queue takes. */
  private drainBacklog(): void {
    if (this.flushing === undefined) this.backlog = this.produceAll(this.backlog);
  }

  /** Produces records in order until librdkafka's queue is full; returns the ones left. */
  private produceAll(records: Pending[]): Pending[] {
    let i = 0;
    for (; i < records.length; i++) {
      const r = records[i]!;
      if (!this.tryProduce(r.topic, r.partition, r.key, r.value, r.timestamp, r.headers)) break;
    }
    return i === 0 ? records : records.slice(i);
  }
}

/** `a record to topic t (partition 0) was not delivered`, or `3 records were not delivered, the first to …`. */
function undelivered(failure: { readonly topic?: string; readonly partition?: number; readonly count: number }): string {
  if (failure.topic === undefined) return 'a record was not delivered';
  const where = `to topic ${failure.topic}${failure.partition === undefined || failure.partition < 0 ? '' : ` (partition ${failure.partition})`}`;
  return failure.count > 1 ? `${failure.count} records were not delivered, the first ${where}` : `a record ${where} was not delivered`;
}
