/**
 * librdkafka properties the runtime sets itself because its guarantees rest on them: a value in
 * `connection.config` would either be overwritten (and the user believe it applied) or break
 * them, so `KafkaStreams` refuses these at start, saying why. Every other property, the runtime's
 * own tuning included (timeouts, prefetch, batching), is the user's to set.
 */
export const RUNTIME_OWNED_SETTINGS: Readonly<Record<string, string>> = {
  'group.id': 'it is the applicationId (set that instead)',
  'metadata.broker.list': 'it is connection.brokers (set that instead)',
  'bootstrap.servers': 'it is connection.brokers (set that instead)',
  'auto.offset.reset': "the runtime's autoOffsetReset option sets it (set that instead)",
  'enable.auto.commit': 'offsets are committed by the runtime, after the sinks have flushed',
  'enable.auto.offset.store': 'offsets are committed by the runtime, after the sinks have flushed',
  'isolation.level': "the runtime reads 'read_committed', which exactly-once and the restore of state rely on",
  'partition.assignment.strategy': "the runtime applies eager rebalances and co-partitioned sources need 'range'",
  'group.protocol': 'the runtime applies eager rebalances of the classic protocol',
  'enable.partition.eof': 'the runtime needs the end of a partition to know it caught up',
  'enable.idempotence': 'the Kafka sinks and exactly-once rely on an idempotent producer',
  'transactional.id': 'it is made from the applicationId and instanceId (set instanceId instead)',
  dr_cb: 'the producer reports failed deliveries to the runtime itself',
  dr_msg_cb: 'the producer reports failed deliveries to the runtime itself',
  'delivery.report.only.error': 'the producer reports failed deliveries to the runtime itself',
};
