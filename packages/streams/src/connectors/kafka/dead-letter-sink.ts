import type { DeadLetter } from '../../sources/dead-letter';
import type { Sink } from '../../sinks/sink';
import type { KafkaConnection } from './connection';
import { kafkaSink } from './kafka-sink';

/**
 * Writes invalid records to a dead-letter topic as they were read (same key, same bytes, same
 * timestamp, their own headers), then the reason and their origin in headers of their own:
 * `dlq.reason`, `dlq.topic`, `dlq.partition`, `dlq.offset`. A record that already had one of these
 * (a dead letter replayed and refused again) keeps it, before the new one: read the last.
 * @example app.source('user_activity', { ..., deadLetter: deadLetterSink({ topic: 'user_activity_dlq' }) })
 */
export function deadLetterSink(options: { topic: string; connection?: KafkaConnection }): Sink<DeadLetter> {
  return kafkaSink<DeadLetter>({
    topic: options.topic,
    ...(options.connection ? { connection: options.connection } : {}),
    key: (d) => d.key,
    value: (d) => d.value,
    headers: ({ value: d }) => [
      ...(d.headers ?? []),
      { 'dlq.reason': d.reason },
      { 'dlq.topic': d.topic },
      { 'dlq.partition': String(d.partition) },
      { 'dlq.offset': String(d.offset) },
    ],
  });
}
