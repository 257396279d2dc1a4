import { setTimeout as sleep } from 'node:timers/promises';
import { CODES, Producer, type DeliveryReport, type LibrdKafkaError, type Metadata } from 'node-rdkafka';
import type { Logger } from './logger';
import { PRODUCER_SETTINGS } from './kafka-settings';

/** Where records go: the produce loop needs only this, so it is tested without Kafka. */
export interface RecordOutput {
  /** Hands one record over; false when the client's queue is full (nothing was taken: retry). */
  offer(key: string, value: Buffer): boolean;
  /** Resolves when the queue may have room again. */
  waitForRoom(): Promise<void>;
}

export interface KafkaOutputOptions {
  /** Comma-separated host:port list. */
  readonly brokers: string;
  readonly topic: string;
  readonly logger: Logger;
  /** Extra librdkafka settings, e.g. security. */
  readonly config?: Readonly<Record<string, string | number | boolean>>;
  readonly connectTimeoutMs?: number;
}

/**
 * An idempotent node-rdkafka producer for one topic that counts delivery reports. Records are
 * batched by librdkafka (linger 5 ms, lz4); `offer` never blocks, and a full queue is reported to
 * the caller, which polls for delivery reports (freeing room) and offers again.
 */
export class KafkaOutput implements RecordOutput {
  /** Records accepted by `offer`. */
  accepted = 0;
  delivered = 0;
  failed = 0;
  private readonly errorsSeen = new Map<string, number>();

  private constructor(
    private readonly producer: Producer,
    private readonly options: KafkaOutputOptions,
  ) {
    producer.on('delivery-report', (err: LibrdKafkaError | null, _report: DeliveryReport) => {
      if (!err) {
        this.delivered++;
        return;
      }
      this.failed++;
      this.noteError('delivery failed', err);
    });
    producer.on('event.error', (err: LibrdKafkaError) => this.noteError('kafka client error', err));
  }

  /** Connects and checks that the topic exists (the broker may create it if it auto-creates topics). */
  static async connect(options: KafkaOutputOptions): Promise<KafkaOutput> {
    const timeout = options.connectTimeoutMs ?? 10_000;
    const producer = new Producer(
      {
        'metadata.broker.list': options.brokers,
        'client.id': 'producer',
        ...PRODUCER_SETTINGS,
        'reconnect.backoff.max.ms': 5_000,
        ...options.config,
      },
      // A record still unacknowledged after this counts as failed (brokers down for two minutes).
      { 'message.timeout.ms': 120_000 },
    );
    try {
      await new Promise<Metadata>((resolve, reject) => producer.connect({ timeout }, (err, data) => (err ? reject(err) : resolve(data))));
    } catch (error) {
      throw new Error(`cannot reach Kafka at ${options.brokers} within ${timeout} ms (${(error as Error).message}); is it up? (pnpm stack status)`);
    }
    producer.setPollInterval(10);
    const output = new KafkaOutput(producer, options);
    try {
      await output.checkTopic(timeout);
    } catch (error) {
      await output.close(5_000);
      throw error;
    }
    return output;
  }

  /** Sent and not yet acknowledged nor failed. */
  get inFlight(): number {
    return this.accepted - this.delivered - this.failed;
  }

  offer(key: string, value: Buffer): boolean {
    try {
      this.producer.produce(this.options.topic, null, value, key);
    } catch (error) {
      if ((error as LibrdKafkaError).code === CODES.ERRORS.ERR__QUEUE_FULL) return false;
      throw error;
    }
    this.accepted++;
    return true;
  }

  async waitForRoom(): Promise<void> {
    this.producer.poll();
    await sleep(1);
  }

  /**
   * Waits until every accepted record is acknowledged or failed, at most `timeoutMs`; true when
   * none is left in flight.
   */
  async flush(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    await new Promise<void>((resolve) => this.producer.flush(timeoutMs, () => resolve()));
    // librdkafka's queue is empty once flush returns; the reports reach JavaScript a moment later.
    while (this.inFlight > 0 && Date.now() < deadline) {
      this.producer.poll();
      await sleep(5);
    }
    return this.inFlight === 0;
  }

  async close(timeoutMs = 10_000): Promise<void> {
    if (!this.producer.isConnected()) return;
    // node-rdkafka keeps its poll interval until its worker has destroyed the handle, and a poll
    // meanwhile uses freed memory (see @pipeline/streams' disconnectProducer): stop it first.
    this.producer.setPollInterval(0);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.producer.disconnect(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private async checkTopic(timeoutMs: number): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const metadata = await new Promise<Metadata>((resolve, reject) =>
        this.producer.getMetadata({ topic: this.options.topic, timeout: timeoutMs }, (err, data) => (err ? reject(err) : resolve(data))),
      );
      const topic = metadata.topics.find((t) => t.name === this.options.topic);
      if (topic && topic.partitions.length > 0) return;
      if (attempt === 5) throw new Error(`topic '${this.options.topic}' does not exist on ${this.options.brokers} (create it, e.g. pnpm stack up)`);
      await sleep(200 * attempt);
    }
  }

  /** Logs the first occurrence of each kind of error, then every 1000th, so an outage does not flood the log. */
  private noteError(what: string, err: LibrdKafkaError): void {
    const key = `${what}:${String(err.code)}`;
    const seen = (this.errorsSeen.get(key) ?? 0) + 1;
    this.errorsSeen.set(key, seen);
    if (seen === 1 || seen % 1000 === 0) this.options.logger.warn(what, { code: err.code, error: err.message, occurrences: seen });
  }
}
