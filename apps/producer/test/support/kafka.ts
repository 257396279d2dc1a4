import { AdminClient, KafkaConsumer, type Message } from 'node-rdkafka';

/** The real broker of the local stack (`pnpm stack up`), or KAFKA_BROKERS. */
export const brokers = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092';

export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;
}

async function withAdmin(action: (admin: ReturnType<typeof AdminClient.create>) => Promise<void>): Promise<void> {
  const admin = AdminClient.create({ 'metadata.broker.list': brokers });
  try {
    await action(admin);
  } finally {
    admin.disconnect();
  }
}

/** Creates `topic`, with topic-level settings in `config` (e.g. `max.message.bytes`). */
export function createTopic(topic: string, partitions: number, config: Readonly<Record<string, string>> = {}): Promise<void> {
  return withAdmin(
    (admin) =>
      new Promise((resolve, reject) =>
        admin.createTopic({ topic, num_partitions: partitions, replication_factor: 1, config: { ...config } }, 15_000, (err) => (err ? reject(err) : resolve())),
      ),
  );
}

export function deleteTopic(topic: string): Promise<void> {
  return withAdmin((admin) => new Promise((resolve) => admin.deleteTopic(topic, 15_000, () => resolve())));
}

/** Reads `topic` from the beginning until `expected` records arrived, then `idleMs` more without any. */
export async function consumeAll(topic: string, expected: number, { timeoutMs = 30_000, idleMs = 1_000 } = {}): Promise<Message[]> {
  const consumer = new KafkaConsumer(
    { 'metadata.broker.list': brokers, 'group.id': uniqueName('producer-test'), 'enable.auto.commit': false },
    { 'auto.offset.reset': 'earliest' },
  );
  await new Promise<void>((resolve, reject) => consumer.connect({}, (err) => (err ? reject(err) : resolve())));
  consumer.setDefaultConsumeTimeout(200);
  consumer.subscribe([topic]);
  const out: Message[] = [];
  const deadline = Date.now() + timeoutMs;
  let lastGrowth = Date.now();
  try {
    while (Date.now() < deadline) {
      const batch = await new Promise<Message[]>((resolve, reject) => consumer.consume(1000, (err, m) => (err ? reject(err) : resolve(m))));
      if (batch.length > 0) lastGrowth = Date.now();
      out.push(...batch);
      // Wait a little past the expected count, so a duplicate or extra record would be seen.
      if (out.length >= expected && Date.now() - lastGrowth >= idleMs) break;
    }
  } finally {
    await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
  }
  return out;
}
