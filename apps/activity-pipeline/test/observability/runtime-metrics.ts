import type { KafkaStreamsMetrics } from '@pipeline/streams/kafka';

/** What a running runtime's metrics() gives with nothing read yet, with `m` over it: what the /metrics tests scrape. */
export const runtimeMetrics = (m: Partial<KafkaStreamsMetrics>): KafkaStreamsMetrics => ({
  state: 'running',
  recordsIn: 0,
  deadLettered: 0,
  processingFailures: {},
  late: {},
  sinkRecords: {},
  commits: 0,
  lastCommitMs: 0,
  commitMsTotal: 0,
  sinkFlushMs: {},
  rebalances: 0,
  storeEntries: {},
  watermarks: {},
  idlePartitions: [],
  lag: {},
  assigned: [],
  ...m,
});
