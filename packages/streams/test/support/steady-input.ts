import { KafkaConsumer, Producer } from 'node-rdkafka';
import { disconnectProducer } from '../../src/connectors/kafka/promisified';
import { event } from './events';
import { brokers, uniqueName } from './kafka';

/**
 * A producer that sends `records` events every `everyMs` until `stop`, the n-th of user u<n>, at
 * T0 + n × `spacingMs` of event time, to partition n % `partitions`; `stop` resolves with how many
 * it sent. A steady input: librdkafka never sees a fetch come back empty.
 */
export function steadyInput(topic: string, options: { records: number; everyMs: number; partitions: number; spacingMs: number }) {
  const { records, everyMs, partitions, spacingMs } = options;
  let stopped = false;
  const done = (async () => {
    const producer = new Producer({ 'metadata.broker.list': brokers, 'enable.idempotence': true, 'linger.ms': 5 });
    await new Promise<void>((resolve, reject) => producer.connect({}, (err) => (err ? reject(err) : resolve())));
    let n = 0;
    while (!stopped) {
      for (let k = 0; k < records; k++, n++) producer.produce(topic, n % partitions, Buffer.from(JSON.stringify(event(n * spacingMs, { user_id: `u${n}` }))));
      await new Promise((r) => setTimeout(r, everyMs));
    }
    await new Promise<void>((resolve, reject) => producer.flush(30_000, (err) => (err ? reject(err) : resolve())));
    await disconnectProducer(producer);
    return n;
  })();
  return { stop: () => ((stopped = true), done) };
}

/** Partition 0's end for a reader: `read_committed`, the last stable offset; else the high watermark. */
export async function endOffset(topic: string, isolation: 'read_committed' | 'read_uncommitted'): Promise<number> {
  const consumer = new KafkaConsumer({ 'metadata.broker.list': brokers, 'group.id': uniqueName('end'), 'isolation.level': isolation }, {});
  await new Promise<void>((resolve, reject) => consumer.connect({}, (err) => (err ? reject(err) : resolve())));
  try {
    return await new Promise<number>((resolve, reject) => consumer.queryWatermarkOffsets(topic, 0, 10_000, (err, o) => (err ? reject(err) : resolve(o.highOffset))));
  } finally {
    await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
  }
}
