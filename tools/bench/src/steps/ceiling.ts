import type { KafkaConsumer } from 'node-rdkafka';
import { connectConsumer, consume, disconnect, runtimeConsumerConfig, uniqueName } from '../infra/kafka';
import { startProgress } from '../progress';
import { msSince, perSecond } from '../stats';

export interface CeilingResult {
  readonly batchSize: number;
  readonly records: number;
  /** From connecting to the first record: group join and first fetch. */
  readonly startupSeconds: number;
  /** From the consume call that returned the first records to the last record. */
  readonly seconds: number;
  readonly rate: number;
  readonly batches: number;
  readonly bytes: number;
}

/**
 * The client's limit: a node-rdkafka consumer with the runtime's settings, in a fresh group,
 * draining the topic with `consume(batchSize)` and doing nothing with the records.
 */
export async function ceiling(topic: string, records: number, batchSize: number): Promise<CeilingResult> {
  const started = process.hrtime.bigint();
  const consumer: KafkaConsumer = await connectConsumer(runtimeConsumerConfig(uniqueName('bench-ceiling')), { 'auto.offset.reset': 'earliest' });
  let seen = 0;
  let bytes = 0;
  let batches = 0;
  let first: bigint | undefined;
  const progress = startProgress({ label: `ceiling consume(${batchSize})`, read: () => seen, total: records });
  try {
    consumer.subscribe([topic]);
    while (seen < records) {
      const call = process.hrtime.bigint();
      const messages = await consume(consumer, batchSize);
      if (messages.length === 0) continue;
      // From the call that brought the first records: the first fetch counts, the group join does not.
      first ??= call;
      batches++;
      seen += messages.length;
      for (const m of messages) bytes += m.size;
    }
  } finally {
    progress.stop();
    await disconnect(consumer);
  }
  const ms = msSince(first!);
  return {
    batchSize,
    records: seen,
    startupSeconds: Number(first! - started) / 1e9,
    seconds: ms / 1000,
    rate: perSecond(seen, ms),
    batches,
    bytes,
  };
}
