// The environment variables the stack and the tests agree on, with their defaults in one place.

/** What Kafka clients connect to. The single-broker stack listens here. */
export const DEFAULT_KAFKA_BROKERS = '127.0.0.1:9092';
export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/pipeline';
/**
 * Verified on Java 17 with this repo's pom (see tools/stack/kafka/pom.xml). Overridable with
 * `--kafka-version` or STACK_KAFKA_VERSION, any 4.x that Maven Central serves.
 */
export const DEFAULT_KAFKA_VERSION = '4.4.0';
export const DEFAULT_PARTITIONS = 3;

/** The pipeline's topics; created by `stack up` on every run (no-op when they exist). */
export const PIPELINE_TOPICS = ['user_activity', 'enriched_activity', 'user_activity_dlq'] as const;

export function kafkaBrokers(env: NodeJS.ProcessEnv = process.env): string {
  return env.KAFKA_BROKERS || DEFAULT_KAFKA_BROKERS;
}

export function databaseUrl(env: NodeJS.ProcessEnv = process.env): string {
  return env.DATABASE_URL || DEFAULT_DATABASE_URL;
}

export function kafkaVersion(env: NodeJS.ProcessEnv = process.env): string {
  return env.STACK_KAFKA_VERSION || DEFAULT_KAFKA_VERSION;
}

/** `--partitions` or STACK_PARTITIONS; empty means the default, as `${STACK_PARTITIONS:-3}` in compose reads it. */
export function parsePartitions(value: string, what: string): number {
  return value.trim() === '' ? DEFAULT_PARTITIONS : parsePositiveInt(value, what);
}

export function parsePositiveInt(value: string, what: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${what} must be a positive integer, got "${value}"`);
  return n;
}
