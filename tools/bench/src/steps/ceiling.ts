import type { KafkaConsumer } from 'node-rdkafka';
import { connectConsumer, consume, disconnect, runtimeConsumerConfig, uniqueName } from '../infra/kafka';
import { collectGarbage } from '../collect-garbage';
import { startProgress } from '../progress';
import { msSince, perSecond } from '../stats';

/**
 * librdkafka's own prefetch defaults: its queue sizes and how long it waits to look at a full
 * queue again. The runtime prefetches less (runtime-consumer.ts), which saves memory, and looks
 * again sooner, so that its smaller queue does not run dry. The client's limit is the fastest
 * line measured.
 */
const LIBRDKAFKA_DEFAULT_PREFETCH = { 'queued.min.messages': 100_000, 'queued.max.messages.kbytes': 65_536, 'fetch.queue.backoff.ms': 1_000 } as const;

const PREFETCH_SETTINGS = ['queued.min.messages', 'queued.max.messages.kbytes', 'fetch.queue.backoff.ms', 'fetch.wait.max.ms'] as const;

export interface CeilingResult {
  readonly batchSize: number;
  /** Whether the consumer had librdkafka's default prefetch instead of the runtime's. */
  readonly defaultPrefetch: boolean;
  /** The consumer's prefetch settings, as given to librdkafka: what the line measured, in the JSON. */
  readonly prefetch: Readonly<Record<(typeof PREFETCH_SETTINGS)[number], string | number | boolean | undefined>>;
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
 * The client's limit: a node-rdkafka consumer with the runtime's settings (or those and
 * librdkafka's default prefetch), in a fresh group, draining the topic with `consume(batchSize)`
 * and doing nothing with the records. It starts from a collected heap, as every timed step does.
 */
export async function ceiling(topic: string, records: number, batchSize: number, options: { defaultPrefetch?: boolean } = {}): Promise<CeilingResult> {
  collectGarbage();
  const started = process.hrtime.bigint();
  const defaultPrefetch = options.defaultPrefetch ?? false;
  const config = { ...runtimeConsumerConfig(uniqueName('bench-ceiling')), ...(defaultPrefetch ? LIBRDKAFKA_DEFAULT_PREFETCH : {}) };
  const consumer: KafkaConsumer = await connectConsumer(config, { 'auto.offset.reset': 'earliest' });
  let seen = 0;
  let bytes = 0;
  let batches = 0;
  let first: bigint | undefined;
  const progress = startProgress({ label: `ceiling consume(${batchSize})${defaultPrefetch ? ', default prefetch' : ''}`, read: () => seen, total: records });
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
    defaultPrefetch,
    prefetch: Object.fromEntries(PREFETCH_SETTINGS.map((name) => [name, (config as Record<string, string | number | boolean>)[name]])) as CeilingResult['prefetch'],
    records: seen,
    startupSeconds: Number(first! - started) / 1e9,
    seconds: ms / 1000,
    rate: perSecond(seen, ms),
    batches,
    bytes,
  };
}

/** The fastest raw consumption measured: what the pipeline's rate is compared with. */
export function bestCeiling(results: readonly CeilingResult[] | undefined): number | undefined {
  return results && results.length > 0 ? Math.max(...results.map((r) => r.rate)) : undefined;
}
