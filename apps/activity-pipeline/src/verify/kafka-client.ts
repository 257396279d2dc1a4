import { KafkaConsumer, Producer, type DeliveryReport, type LibrdKafkaError, type Message, type Metadata } from 'node-rdkafka';
import { disconnectProducer } from '@pipeline/streams/kafka';

// The few Kafka calls `verify` makes, as promises. Short timeouts: a pre-flight check must answer
// quickly, also (especially) when the broker is down.

const TIMEOUT_MS = 5000;

const asError = (err: LibrdKafkaError | Error) => (err instanceof Error ? err : new Error(`${err.message} (${err.code})`));

/** The cluster's metadata (brokers and every topic), through a short-lived producer connection. */
export async function clusterMetadata(brokers: string): Promise<Metadata> {
  const producer = new Producer({ 'metadata.broker.list': brokers, 'client.id': 'activity-pipeline-verify', 'socket.connection.setup.timeout.ms': TIMEOUT_MS });
  try {
    return await new Promise<Metadata>((resolve, reject) => producer.connect({ timeout: TIMEOUT_MS, allTopics: true }, (err, m) => (err ? reject(asError(err)) : resolve(m))));
  } finally {
    // A failed connect leaves nothing to close, and disconnect() would throw "Producer not
    // connected" over the connect's own error.
    if (producer.isConnected()) await disconnectProducer(producer, TIMEOUT_MS);
  }
}

export interface Outgoing {
  readonly key: string;
  readonly value: string;
}

/** Sends records with an idempotent producer (partitioned by key) and returns where each landed. */
export async function sendAll(brokers: string, topic: string, records: readonly Outgoing[]): Promise<DeliveryReport[]> {
  const producer = new Producer({ 'metadata.broker.list': brokers, 'client.id': 'activity-pipeline-verify', dr_cb: true, 'enable.idempotence': true });
  await new Promise<void>((resolve, reject) => producer.connect({ timeout: TIMEOUT_MS }, (err) => (err ? reject(asError(err)) : resolve())));
  try {
    const reports: Array<DeliveryReport | undefined> = records.map(() => undefined);
    let failed: Error | undefined;
    producer.on('delivery-report', (err, report) => {
      if (err) failed = asError(err);
      else reports[report.opaque as number] = report;
    });
    producer.setPollInterval(10);
    records.forEach((r, i) => producer.produce(topic, null, Buffer.from(r.value), r.key, Date.now(), i));
    await new Promise<void>((resolve, reject) => producer.flush(TIMEOUT_MS * 2, (err) => (err ? reject(asError(err)) : resolve())));
    const deadline = Date.now() + TIMEOUT_MS;
    while (reports.includes(undefined) && failed === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    if (failed) throw failed;
    if (reports.includes(undefined)) throw new Error(`no delivery report from the broker within ${TIMEOUT_MS} ms`);
    return reports as DeliveryReport[];
  } finally {
    await disconnectProducer(producer, TIMEOUT_MS);
  }
}

/** A reader of a topic from its current end on (what is written after it opened), as committed data. */
export interface TailReader {
  /** Messages that arrived since the last call. */
  poll(): Promise<Message[]>;
  close(): Promise<void>;
}

export async function tail(brokers: string, topic: string, partitions: number): Promise<TailReader> {
  const consumer = new KafkaConsumer(
    { 'metadata.broker.list': brokers, 'client.id': 'activity-pipeline-verify', 'group.id': 'activity-pipeline-verify', 'enable.auto.commit': false, 'isolation.level': 'read_committed' },
    {},
  );
  await new Promise<void>((resolve, reject) => consumer.connect({ timeout: TIMEOUT_MS }, (err) => (err ? reject(asError(err)) : resolve())));
  consumer.setDefaultConsumeTimeout(200);
  try {
    const ends = await Promise.all(
      Array.from(
        { length: partitions },
        (_, partition) =>
          new Promise<number>((resolve, reject) => consumer.queryWatermarkOffsets(topic, partition, TIMEOUT_MS, (err, o) => (err ? reject(asError(err)) : resolve(o.highOffset)))),
      ),
    );
    // assign() at explicit offsets: no group join, nothing committed.
    consumer.assign(ends.map((offset, partition) => ({ topic, partition, offset })));
  } catch (error) {
    await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
    throw error;
  }
  return {
    poll: () => new Promise<Message[]>((resolve, reject) => consumer.consume(1000, (err, m) => (err ? reject(asError(err)) : resolve(m)))),
    close: () => new Promise<void>((resolve) => consumer.disconnect(() => resolve())),
  };
}
