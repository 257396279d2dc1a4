import type { Client, KafkaConsumer, LibrdKafkaError, Message, Metadata, Producer, TopicPartitionOffset } from 'node-rdkafka';

// node-rdkafka speaks callbacks; the runtime speaks promises. One small adapter per call it uses.

function settle<T>(resolve: (v: T) => void, reject: (e: Error) => void) {
  return (err: LibrdKafkaError | null | undefined, value?: T) => (err ? reject(toError(err)) : resolve(value as T));
}

export function toError(err: LibrdKafkaError | Error): Error {
  if (err instanceof Error) return err;
  const e = new Error(`kafka: ${err.message} (${String(err.code)})`);
  Object.assign(e, { code: err.code, isFatal: err.isFatal, isRetriable: err.isRetriable, isTxnRequiresAbort: err.isTxnRequiresAbort });
  return e;
}

export function connect<C extends Client<never>>(client: C, timeoutMs: number): Promise<Metadata> {
  return new Promise((resolve, reject) => client.connect({ timeout: timeoutMs }, settle(resolve, reject)));
}

export function disconnect(client: { disconnect(cb: (err: unknown) => void): unknown }): Promise<void> {
  return new Promise((resolve) => client.disconnect(() => resolve()));
}

/**
 * Disconnects a producer whose poll interval runs. The interval is stopped first: node-rdkafka
 * (3.6) stops it only on 'disconnected', after its worker thread destroyed the handle, and its
 * poll calls rd_kafka_poll on the handle with no lock, so a poll during the destroy used freed
 * memory. Seen as heap corruption (`malloc(): unaligned tcache chunk detected`) in CI, and
 * reproduced (a core in rd_kafka_q_serve0 under Producer::NodePoll) by disconnecting in a loop.
 * librdkafka's flush, which disconnect runs first (for at most `flushTimeoutMs`), serves the
 * delivery reports itself. Exported from `@pipeline/streams/kafka` for code with producers of its own.
 */
export function disconnectProducer(producer: Producer, flushTimeoutMs = 5_000): Promise<void> {
  producer.setPollInterval(0);
  return new Promise((resolve) => producer.disconnect(flushTimeoutMs, () => resolve()));
}

export function consume(consumer: KafkaConsumer, max: number): Promise<Message[]> {
  return new Promise((resolve, reject) => consumer.consume(max, settle(resolve, reject)));
}

export function metadata(client: Client<never>, topic: string, timeoutMs: number): Promise<Metadata> {
  return new Promise((resolve, reject) => client.getMetadata({ topic, timeout: timeoutMs }, settle(resolve, reject)));
}

/** How many partitions a topic has: 0 when the broker knows no such topic. */
export async function partitionCount(client: Client<never>, topic: string, timeoutMs: number): Promise<number> {
  const meta = await metadata(client, topic, timeoutMs);
  return meta.topics.find((t) => t.name === topic)?.partitions.length ?? 0;
}

export function committed(consumer: KafkaConsumer, partitions: Array<{ topic: string; partition: number }>, timeoutMs: number): Promise<TopicPartitionOffset[]> {
  return new Promise((resolve, reject) => consumer.committed(partitions, timeoutMs, settle(resolve, reject)));
}

export function watermarks(client: Client<never>, topic: string, partition: number, timeoutMs: number): Promise<{ lowOffset: number; highOffset: number }> {
  return new Promise((resolve, reject) => client.queryWatermarkOffsets(topic, partition, timeoutMs, settle(resolve, reject)));
}

export function flush(producer: Producer, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => producer.flush(timeoutMs, settle(resolve, reject)));
}

export function initTransactions(producer: Producer, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => producer.initTransactions(timeoutMs, settle(resolve, reject)));
}

export function beginTransaction(producer: Producer): Promise<void> {
  return new Promise((resolve, reject) => producer.beginTransaction(settle(resolve, reject)));
}

export function commitTransaction(producer: Producer, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => producer.commitTransaction(timeoutMs, settle(resolve, reject)));
}

export function abortTransaction(producer: Producer, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => producer.abortTransaction(timeoutMs, settle(resolve, reject)));
}

export function sendOffsetsToTransaction(producer: Producer, offsets: TopicPartitionOffset[], consumer: KafkaConsumer, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => producer.sendOffsetsToTransaction(offsets, consumer, timeoutMs, settle(resolve, reject)));
}
