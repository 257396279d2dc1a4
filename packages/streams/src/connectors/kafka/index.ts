/**
 * `@pipeline/streams/kafka`: run a streams app on Kafka (node-rdkafka), and write to Kafka topics.
 * @packageDocumentation
 */
import './peer-dependencies';
export { KafkaStreams } from './kafka-streams';
export { DEFAULT_BATCH_SIZE, type KafkaStreamsOptions, type KafkaStreamsMetrics } from './kafka-streams-options';
export { ChangelogBackend, type ChangelogBackendOptions } from './changelog-backend';
export { kafkaSink, type KafkaSinkOptions, type KafkaSinkContext } from './kafka-sink';
export { deadLetterSink } from './dead-letter-sink';
export { REPLAY_SKIPS, replayDeadLetters, type ReplayDeadLettersOptions, type ReplayReport, type ReplayedLetter, type ReplaySkip } from './replay-dead-letters';
export { KafkaProducer, type KafkaProducerOptions } from './kafka-producer';
export type { KafkaConnection } from './connection';
export { runtimeConsumerConfig } from './runtime-consumer';
export { disconnectProducer } from './promisified';
