/** How to reach Kafka: the brokers, and any other librdkafka setting (security, timeouts…). */
export interface KafkaConnection {
  /** Comma-separated `host:port` list. */
  readonly brokers: string;
  readonly clientId?: string;
  /** Extra librdkafka properties, passed as they are (e.g. `security.protocol`, `sasl.mechanisms`). */
  readonly config?: Readonly<Record<string, string | number | boolean>>;
}

/**
 * A client's settings: the brokers, `defaults` (a client's own tuning), then the user's
 * `connection.config`, which overrides both. What a client must fix for its guarantees it
 * spreads after this (see runtime-owned-settings.ts).
 */
export function baseConfig(
  connection: KafkaConnection,
  clientId: string,
  defaults: Readonly<Record<string, string | number | boolean>> = {},
): Record<string, string | number | boolean> {
  return {
    'metadata.broker.list': connection.brokers,
    'client.id': connection.clientId ?? clientId,
    // A broker that is down is retried by librdkafka itself; these bound how noisy and slow that gets.
    'reconnect.backoff.ms': 100,
    'reconnect.backoff.max.ms': 10_000,
    ...defaults,
    ...connection.config,
  };
}
