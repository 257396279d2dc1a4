import type { DeadLetter } from '../../sources/dead-letter';
import type { Sink } from '../../sinks/sink';
import type { KafkaConnection } from './connection';
import { kafkaSink } from './kafka-sink';

/**
 * Writes invalid records to a dead-letter topic as they were read (same key, same bytes), with
 * the reason and their origin in headers, the convention of Kafka Connect's dead-letter queues:
 * `dlq.reason`, `dlq.topic`, `dlq.partition`, `dlq.offset`.
 * @example app.source('user_activity', { ..., deadLetter: deadLetterSink({ topic: 'user_activity_dlq' }) })
 */
export function deadLetterSink(options: { topic: string; connection?: KafkaConnection }): Sink<DeadLetter> {
  return kafkaSink<DeadLetter>({
    topic: options.topic,
    ...(options.connection ? { connection: options.connection } : {}),
    key: (d) => d.key,
    value: (d) => d.value,
    headers: ({ value: d }) => ({
      'dlq.reason': d.reason,
      'dlq.topic': d.topic,
      'dlq.partition': String(d.partition),
      'dlq.offset': String(d.offset),
    }),
  });
}
