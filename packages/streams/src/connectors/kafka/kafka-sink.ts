import type { MessageHeader } from 'node-rdkafka';
import type { Sink, SinkContext, SinkRecord, SinkWriter } from '../../sinks/sink';
import type { KafkaConnection } from './connection';
import { KafkaProducer } from './kafka-producer';

export interface KafkaSinkOptions<T> {
  readonly topic: string;
  /**
   * The record key (the partitioner hashes it): e.g. `(e) => e.user_id`. Default: no key. A topic
   * that a source with a `groupByKey()` reads must be keyed by that source's key.
   */
  readonly key?: (value: T) => string | Buffer | null;
  /** The record value. Default: the value as JSON. */
  readonly value?: (value: T) => string | Buffer | null;
  /** Headers by name, or a list of them in order (a name may repeat, as Kafka allows). */
  readonly headers?: (record: SinkRecord<T>) => Record<string, string | Buffer> | ReadonlyArray<Readonly<Record<string, string | Buffer>>>;
  /**
   * Brokers for a sink used outside a `KafkaStreams` runtime. Inside one, the sink uses the
   * runtime's producer, so its records join the runtime's transactions in exactly-once mode.
   */
  readonly connection?: KafkaConnection;
}

/** What the Kafka runtime adds to a sink's context: its shared producer. */
export interface KafkaSinkContext extends SinkContext {
  readonly kafkaProducer: KafkaProducer;
}

/**
 * Writes records to a Kafka topic with an idempotent producer; `flush` waits for every delivery
 * report, so a commit never gets ahead of the topic. With `processingGuarantee: 'exactly_once'`
 * the records, the consumed offsets and the state commit form one transaction: a `read_committed`
 * consumer sees each record once, whatever crashes. A retracted result becomes a tombstone.
 *
 * @example
 * events
 *   .map((e) => ({ ...e, processing_time: new Date().toISOString() }))
 *   .to(kafkaSink({ topic: 'enriched_activity', key: (e) => e.user_id }));
 */
export function kafkaSink<T>(options: KafkaSinkOptions<T>): Sink<T> {
  const { topic } = options;
  const keyOf = options.key;
  const valueOf = options.value ?? ((v: T) => JSON.stringify(v));
  const headersOf = options.headers;
  return {
    kind: 'kafka',
    target: topic,
    async open(context: SinkContext): Promise<SinkWriter<T>> {
      const shared = 'kafkaProducer' in context ? (context as KafkaSinkContext).kafkaProducer : undefined;
      if (shared === undefined && options.connection === undefined) {
        throw new Error(`kafka sink ${topic}: outside a KafkaStreams runtime, give it a connection`);
      }
      const producer =
        shared ?? (await KafkaProducer.connect({ connection: options.connection!, clientId: `${context.applicationId}-${topic}`, logger: context.logger }));
      return {
        write(records) {
          for (const r of records) {
            const value = r.retract ? null : toBuffer(valueOf(r.value));
            const headers = headersOf ? toHeaders(headersOf(r)) : undefined;
            producer.send(topic, keyOf ? keyOf(r.value) : null, value, headers, r.timestamp);
          }
        },
        get buffered() {
          return producer.buffered;
        },
        flush: () => producer.flush(),
        close: async () => {
          if (shared === undefined) await producer.close();
        },
      };
    },
  };
}

function toBuffer(value: string | Buffer | null): Buffer | null {
  return value === null || Buffer.isBuffer(value) ? value : Buffer.from(value);
}

export function toHeaders(fields: Record<string, string | Buffer> | ReadonlyArray<Readonly<Record<string, string | Buffer>>>): MessageHeader[] {
  if (Array.isArray(fields)) return [...(fields as ReadonlyArray<MessageHeader>)];
  return Object.entries(fields).map(([k, v]) => ({ [k]: v }));
}
