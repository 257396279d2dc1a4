import { AdminClient, KafkaConsumer, Producer, type DeliveryReport, type Message, type TopicPartitionOffset } from 'node-rdkafka';

// The end-to-end tests' own Kafka client code (independent of the library's connector): topics,
// producing at known partitions and offsets, reading a topic to its end, a group's offsets.

/** The broker of the local stack (`pnpm stack up`), or KAFKA_BROKERS. */
export const brokers = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092';

/** `<prefix>-<time>-<random>`: a name no earlier run used. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;
}

/**
 * Creates topics that keep their records whatever their timestamps (`retention.ms` -1): the app
 * gives each enriched record its event time, and the scenario's events are of 2024, which the
 * broker's time-based retention (7 days, checked every 5 minutes) deletes at its next check.
 */
export async function createTopics(topics: ReadonlyArray<{ name: string; partitions: number }>): Promise<void> {
  const admin = AdminClient.create({ 'metadata.broker.list': brokers });
  try {
    for (const { name, partitions } of topics) {
      await new Promise<void>((resolve, reject) =>
        admin.createTopic({ topic: name, num_partitions: partitions, replication_factor: 1, config: { 'retention.ms': '-1' } }, 15_000, (err) => (err ? reject(err) : resolve())),
      );
    }
  } finally {
    admin.disconnect();
  }
}

export async function deleteTopics(topics: readonly string[]): Promise<void> {
  const admin = AdminClient.create({ 'metadata.broker.list': brokers });
  try {
    await Promise.allSettled(topics.map((t) => new Promise<void>((resolve, reject) => admin.deleteTopic(t, 15_000, (err) => (err ? reject(err) : resolve())))));
  } finally {
    admin.disconnect();
  }
}

export interface Outgoing {
  readonly partition: number;
  readonly key: string | null;
  /** The exact bytes to send; null sends a tombstone. */
  readonly value: Buffer | null;
}

/**
 * Sends records in order, one partition after the other, and returns where each landed (same order
 * as given). Idempotent, so retries keep each partition's order.
 */
export async function produce(topic: string, records: readonly Outgoing[]): Promise<TopicPartitionOffset[]> {
  const producer = new Producer({ 'metadata.broker.list': brokers, dr_cb: true, 'enable.idempotence': true, 'linger.ms': 5 });
  await new Promise<void>((resolve, reject) => producer.connect({}, (err) => (err ? reject(err) : resolve())));
  producer.setPollInterval(10);
  const reports: Array<TopicPartitionOffset | undefined> = records.map(() => undefined);
  let failed: Error | undefined;
  producer.on('delivery-report', (err, report: DeliveryReport) => {
    if (err) failed = new Error(err.message);
    else reports[report.opaque as number] = { topic: report.topic, partition: report.partition, offset: report.offset };
  });
  records.forEach((r, i) => producer.produce(topic, r.partition, r.value, r.key, null, i));
  await new Promise<void>((resolve, reject) => producer.flush(30_000, (err) => (err ? reject(err) : resolve())));
  // Delivery reports come through the poll loop, possibly just after the flush.
  const deadline = Date.now() + 5000;
  while (reports.includes(undefined) && failed === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  // node-rdkafka polls on until its worker has destroyed the handle, and a poll meanwhile uses
  // freed memory: this jest process once aborted with a corrupted heap. Stop the interval first.
  producer.setPollInterval(0);
  await new Promise<void>((resolve) => producer.disconnect(() => resolve()));
  if (failed) throw failed;
  if (reports.includes(undefined)) throw new Error(`no delivery report for ${reports.filter((r) => r === undefined).length} records`);
  return reports as TopicPartitionOffset[];
}

/**
 * Every record of a topic, from the beginning to the end of each partition (`read_committed`: what
 * a downstream consumer sees). Exact: stops when each partition reports its end, not after a quiet spell.
 */
/**
 * Every record of the topic, read_committed, until each partition reports its end at its high
 * watermark, and at least `atLeast` records have come: a fresh consumer has been seen to get
 * ends (and high watermarks) of 0 for a topic just written (CI, twice), and a test that knows how
 * many records it expects waits for them, up to the timeout, instead of judging an empty read.
 */
export async function readTopic(topic: string, partitions: number, atLeast = 0, timeoutMs = 20_000): Promise<Message[]> {
  const consumer = new KafkaConsumer(
    { 'metadata.broker.list': brokers, 'group.id': uniqueName('e2e-reader'), 'enable.auto.commit': false, 'enable.partition.eof': true, 'isolation.level': 'read_committed' },
    {},
  );
  await new Promise<void>((resolve, reject) => consumer.connect({}, (err) => (err ? reject(err) : resolve())));
  // Both events come in the order of the stream, before `consume`'s callback.
  const atEnd = new Map<number, number>();
  consumer.on('partition.eof', (eof) => atEnd.set(eof.partition, eof.offset));
  consumer.on('data', (m) => atEnd.delete(m.partition)); // more came after an end (not once the app stopped)
  consumer.assign(Array.from({ length: partitions }, (_, partition) => ({ topic, partition, offset: 0 })));
  const out: Message[] = [];
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      while (atEnd.size < partitions || out.length < atLeast) {
        if (Date.now() > deadline) {
          throw new Error(`reading ${topic}: ${out.length} records of at least ${atLeast}; partitions ${[...atEnd.keys()].join(',')} of ${partitions} reached their end in ${timeoutMs} ms`);
        }
        const batch = await new Promise<Message[]>((resolve, reject) => consumer.consume(500, (err, m) => (err ? reject(err) : resolve(m))));
        out.push(...batch);
      }
      // An end reported below the partition's high watermark (a fresh broker's first fetch, seen
      // once in CI: all three partitions "ended" at offset 0) is not the end: keep reading.
      const high = await endOffsets(topic, partitions);
      const early = [...atEnd].filter(([partition, offset]) => offset < high[partition]!);
      if (early.length === 0) break;
      for (const [partition] of early) atEnd.delete(partition);
    }
  } finally {
    await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
  }
  return out;
}

/** The next offset to read of each partition: the end of the topic. */
export async function endOffsets(topic: string, partitions: number): Promise<number[]> {
  const consumer = new KafkaConsumer({ 'metadata.broker.list': brokers, 'group.id': uniqueName('e2e-offsets') }, {});
  await new Promise<void>((resolve, reject) => consumer.connect({}, (err) => (err ? reject(err) : resolve())));
  try {
    return await Promise.all(
      Array.from(
        { length: partitions },
        (_, p) => new Promise<number>((resolve, reject) => consumer.queryWatermarkOffsets(topic, p, 10_000, (err, o) => (err ? reject(err) : resolve(o.highOffset)))),
      ),
    );
  } finally {
    await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
  }
}

/** Offsets a consumer group committed for each partition of a topic (-1001: none). */
export async function committedOffsets(groupId: string, topic: string, partitions: number): Promise<number[]> {
  const consumer = new KafkaConsumer({ 'metadata.broker.list': brokers, 'group.id': groupId, 'enable.auto.commit': false }, {});
  await new Promise<void>((resolve, reject) => consumer.connect({}, (err) => (err ? reject(err) : resolve())));
  try {
    const toppars = Array.from({ length: partitions }, (_, partition) => ({ topic, partition }));
    const committed = await new Promise<TopicPartitionOffset[]>((resolve, reject) => consumer.committed(toppars, 10_000, (err, tp) => (err ? reject(err) : resolve(tp))));
    return toppars.map(({ partition }) => committed.find((c) => c.partition === partition)?.offset ?? -1001);
  } finally {
    await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
  }
}

/** A message's headers as one object. */
export function headersOf(m: Message): Record<string, string> {
  const out: Record<string, string> = {};
  for (const h of m.headers ?? []) for (const [k, v] of Object.entries(h)) out[k] = Buffer.isBuffer(v) ? v.toString('utf8') : String(v);
  return out;
}
