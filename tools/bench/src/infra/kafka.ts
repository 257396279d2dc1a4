import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { AdminClient, CODES, KafkaConsumer, Producer, type LibrdKafkaError, type Message } from 'node-rdkafka';
import { findProcesses, isKafkaBroker } from '@pipeline/stack/processes';
import { disconnectProducer, runtimeConsumerConfig as libraryConsumerConfig } from '@pipeline/streams/kafka';
import { PRODUCER_SETTINGS } from 'producer/kafka-settings';

/** The broker of the local stack (`pnpm stack up`), or KAFKA_BROKERS. */
export const BROKERS = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092';

/** `<prefix>-<time>-<random>`: a topic, group or database name no earlier run used. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;
}

export async function createTopics(names: readonly string[], partitions: number): Promise<void> {
  const admin = AdminClient.create({ 'metadata.broker.list': BROKERS, 'client.id': 'bench-admin' });
  try {
    for (const topic of names) {
      await new Promise<void>((resolve, reject) =>
        admin.createTopic({ topic, num_partitions: partitions, replication_factor: 1 }, 30_000, (err) =>
          err ? reject(new Error(`creating topic ${topic}: ${err.message}`)) : resolve(),
        ),
      );
    }
  } finally {
    admin.disconnect();
  }
}

/** Deletes topics; failures (already gone) are ignored. */
export async function deleteTopics(names: readonly string[]): Promise<void> {
  if (names.length === 0) return;
  const admin = AdminClient.create({ 'metadata.broker.list': BROKERS, 'client.id': 'bench-admin' });
  try {
    await Promise.allSettled(names.map((t) => new Promise<void>((resolve, reject) => admin.deleteTopic(t, 30_000, (err) => (err ? reject(err) : resolve())))));
  } finally {
    admin.disconnect();
  }
}

/** The producer app's settings (idempotent, linger 5 ms, lz4), on the benchmark's broker. */
export const PRODUCER_CONFIG = { 'metadata.broker.list': BROKERS, ...PRODUCER_SETTINGS };

/** A connected producer that counts delivery reports. */
export interface CountingProducer {
  readonly producer: Producer;
  readonly delivered: () => number;
  /** Produces, waiting (polling) while librdkafka's queue is full. */
  send(topic: string, partition: number | null, value: Buffer, key: Buffer | string): Promise<void>;
  /** Resolves once every record sent is acknowledged; rejects if any failed. */
  drain(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function connectProducer(clientId: string, pollIntervalMs = 10): Promise<CountingProducer> {
  const producer = new Producer({ ...PRODUCER_CONFIG, 'client.id': clientId }, { 'message.timeout.ms': 120_000 });
  await new Promise<void>((resolve, reject) =>
    producer.connect({ timeout: 15_000 }, (err) => (err ? reject(new Error(`cannot reach Kafka at ${BROKERS}: ${err.message}; is it up? (pnpm stack status)`)) : resolve())),
  );
  producer.setPollInterval(pollIntervalMs);
  let sent = 0;
  let delivered = 0;
  let failure: Error | undefined;
  producer.on('delivery-report', (err: LibrdKafkaError | null) => {
    delivered++;
    if (err && failure === undefined) failure = new Error(`delivery failed: ${err.message}`);
  });
  return {
    producer,
    delivered: () => delivered,
    async send(topic, partition, value, key) {
      for (;;) {
        try {
          producer.produce(topic, partition, value, key);
          sent++;
          return;
        } catch (error) {
          if ((error as LibrdKafkaError).code !== CODES.ERRORS.ERR__QUEUE_FULL) throw error;
          producer.poll();
          await yieldToLoop();
        }
      }
    },
    async drain(timeoutMs = 120_000) {
      const deadline = Date.now() + timeoutMs;
      await new Promise<void>((resolve, reject) => producer.flush(timeoutMs, (err) => (err ? reject(err) : resolve())));
      // Delivery reports reach JavaScript through the poll loop, a moment after flush returns.
      while (delivered < sent && Date.now() < deadline) {
        producer.poll();
        await new Promise((r) => setTimeout(r, 5));
      }
      if (failure) throw failure;
      if (delivered < sent) throw new Error(`${sent - delivered} records not acknowledged within ${timeoutMs} ms`);
    },
    close: () => disconnectProducer(producer, 10_000),
  };
}

/**
 * The consumer settings of the library's Kafka runtime (packages/streams/src/connectors/kafka/
 * kafka-streams.ts), so the ceiling is measured under the same conditions as the pipeline.
 */
/** The runtime consumer's own settings (from the library), for a group of this benchmark. */
export function runtimeConsumerConfig(groupId: string): Record<string, string | number | boolean> {
  return libraryConsumerConfig({ brokers: BROKERS }, groupId);
}

export async function connectConsumer(config: Record<string, string | number | boolean>, topicConfig: Record<string, string | number> = {}): Promise<KafkaConsumer> {
  const consumer = new KafkaConsumer(config, topicConfig);
  await new Promise<void>((resolve, reject) => consumer.connect({ timeout: 15_000 }, (err) => (err ? reject(err) : resolve())));
  consumer.setDefaultConsumeTimeout(100);
  return consumer;
}

export function consume(consumer: KafkaConsumer, max: number): Promise<Message[]> {
  return new Promise((resolve, reject) => consumer.consume(max, (err, messages) => (err ? reject(err) : resolve(messages))));
}

export function disconnect(client: { disconnect(cb: () => void): unknown }): Promise<void> {
  return new Promise((resolve) => client.disconnect(() => resolve()));
}

/** The next offset of each partition, summed: the number of records in a topic that started empty. */
export async function topicSize(topic: string, partitions: number): Promise<number> {
  const consumer = await connectConsumer({ 'metadata.broker.list': BROKERS, 'group.id': uniqueName('bench-offsets') });
  try {
    let total = 0;
    for (let p = 0; p < partitions; p++) {
      total += await new Promise<number>((resolve, reject) =>
        consumer.queryWatermarkOffsets(topic, p, 10_000, (err, o) => (err ? reject(err) : resolve(o.highOffset))),
      );
    }
    return total;
  } finally {
    await disconnect(consumer);
  }
}

/**
 * The version of the local broker, read from its command line (the stack runs it from
 * `.stack/kafka-<version>/`); undefined when the broker is not a local process.
 */
export function localBrokerVersion(): string | undefined {
  for (const { argv } of findProcesses(isKafkaBroker)) {
    const match = /kafka[_-](?:\d+\.\d+-)?(\d+\.\d+\.\d+)/.exec(argv.join(' '));
    if (match) return match[1];
  }
  return undefined;
}
