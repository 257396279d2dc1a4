import { AdminClient, KafkaConsumer, Producer, type Message } from 'node-rdkafka';
import { disconnectProducer } from '../../src/connectors/kafka/promisified';

/** The real broker of the local stack (`pnpm stack up`), or KAFKA_BROKERS. */
export const brokers = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092';

export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;
}

/**
 * Test topics keep their records whatever their timestamps: `retention.ms` is -1 unless `config`
 * sets it. A Kafka sink gives each record its event time, and the tests' events are of 2024: the
 * broker's time-based retention (7 days) deleted them at its next check (every 5 minutes), and
 * even a segment that a commit marker of now follows (such records fill a segment of their own: it
 * looks older than segment.ms). So the rebalance test read 30 of 70 records once in CI; reproduced,
 * its first 40 were gone from the log (read_uncommitted read 30 too), not held by a transaction.
 */
export async function createTopic(topic: string, partitions: number, config?: Record<string, string>): Promise<void> {
  const admin = AdminClient.create({ 'metadata.broker.list': brokers });
  try {
    await new Promise<void>((resolve, reject) =>
      admin.createTopic({ topic, num_partitions: partitions, replication_factor: 1, config: { 'retention.ms': '-1', ...config } }, 15_000, (err) =>
        err ? reject(err) : resolve(),
      ),
    );
  } finally {
    admin.disconnect();
  }
}

export interface Produced {
  value: string | Buffer | null;
  key?: string;
  partition?: number;
  /** Kafka record headers, in order (a name may repeat). */
  headers?: Array<Record<string, string | Buffer>>;
  /** The record's timestamp (epoch ms); default: when it is produced. */
  timestamp?: number;
}

export async function produce(topic: string, records: Produced[]): Promise<void> {
  const producer = new Producer({ 'metadata.broker.list': brokers, dr_cb: true, 'enable.idempotence': true, 'linger.ms': 5 });
  await new Promise<void>((resolve, reject) => producer.connect({}, (err) => (err ? reject(err) : resolve())));
  producer.setPollInterval(10);
  let failed: Error | undefined;
  producer.on('delivery-report', (err) => {
    if (err) failed = err as unknown as Error;
  });
  for (const r of records) {
    const value = r.value === null ? null : Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value);
    producer.produce(topic, r.partition ?? null, value, r.key, r.timestamp, undefined, r.headers);
  }
  await new Promise<void>((resolve, reject) => producer.flush(30_000, (err) => (err ? reject(err) : resolve())));
  await disconnectProducer(producer);
  if (failed) throw failed;
}

/** Reads a topic from the beginning until `expected` records arrived or `timeoutMs` passed. */
export async function consumeAll(
  topic: string,
  options: { expected?: number; timeoutMs?: number; isolation?: 'read_committed' | 'read_uncommitted'; idleMs?: number } = {},
): Promise<Message[]> {
  const consumer = new KafkaConsumer(
    {
      'metadata.broker.list': brokers,
      'group.id': uniqueName('reader'),
      'enable.auto.commit': false,
      'isolation.level': options.isolation ?? 'read_committed',
    },
    { 'auto.offset.reset': 'earliest' },
  );
  await new Promise<void>((resolve, reject) => consumer.connect({}, (err) => (err ? reject(err) : resolve())));
  consumer.setDefaultConsumeTimeout(200);
  consumer.subscribe([topic]);
  const out: Message[] = [];
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  let lastGrowth = Date.now();
  try {
    while (Date.now() < deadline) {
      const batch = await new Promise<Message[]>((resolve, reject) => consumer.consume(1000, (err, m) => (err ? reject(err) : resolve(m))));
      if (batch.length > 0) lastGrowth = Date.now();
      out.push(...batch);
      if (options.expected !== undefined && out.length >= options.expected && Date.now() - lastGrowth >= (options.idleMs ?? 0)) break;
      if (options.expected === undefined && out.length > 0 && Date.now() - lastGrowth >= (options.idleMs ?? 2000)) break;
    }
  } finally {
    await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
  }
  return out;
}

/** Polls `check` until it returns true or the time is up. */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 30_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}
