import type { KafkaConsumer, Message } from 'node-rdkafka';
import * as rd from './promisified';

/**
 * Reads the runtime's batches: waits up to `waitMs` for a first record, then takes what librdkafka
 * has already fetched, up to `max` records, without waiting for more.
 *
 * node-rdkafka's consume(n) waits up to its timeout for *each* of the n records. The end of a
 * partition would cut that short, but librdkafka reports it only when a fetch comes back empty,
 * which a steady input (a record every few tens of ms) never lets happen: consume(5000) then
 * returned only once 5,000 records had come, 25 s at 200 records/s and 100 s at 50, with no commit
 * meanwhile (exactly once, the output invisible to read_committed readers all that time), no
 * rebalance answered and stop() waiting as long.
 */
export function batchReader(consumer: KafkaConsumer, waitMs: number): (max: number) => Promise<Message[]> {
  // An error of the second read, held for the next call: thrown at once, it would lose the first record.
  let held: unknown;
  return async (max) => {
    if (held !== undefined) {
      const error = held;
      held = undefined;
      throw error;
    }
    consumer.setDefaultConsumeTimeout(waitMs);
    const first = await rd.consume(consumer, 1);
    if (first.length === 0 || max <= 1) return first;
    // 1 ms: what is queued now (a backlog fills the batch from librdkafka's prefetch), and no more.
    consumer.setDefaultConsumeTimeout(1);
    try {
      return first.concat(await rd.consume(consumer, max - 1));
    } catch (error) {
      held = error;
      return first;
    }
  };
}
