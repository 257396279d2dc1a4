/**
 * How the producer app writes to Kafka (also what `pnpm bench` preloads its topics with): exactly
 * one copy of each record per partition, in order, even when a request is retried; small lingers
 * and large lz4 batches for throughput.
 */
export const PRODUCER_SETTINGS = {
  dr_cb: true,
  'enable.idempotence': true,
  'linger.ms': 5,
  'compression.type': 'lz4',
  'batch.num.messages': 10_000,
  'queue.buffering.max.messages': 500_000,
  'queue.buffering.max.kbytes': 262_144,
} as const;
