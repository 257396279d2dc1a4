import type { DeadLetter } from '../../sources/dead-letter';
import type { Sink, SinkContext } from '../../sinks/sink';
import type { KafkaConnection } from './connection';
import { maxMessageBytes } from './kafka-producer';
import { kafkaSink, type KafkaSinkContext } from './kafka-sink';

/**
 * Writes invalid records to a dead-letter topic as they were read (same key, same bytes, same
 * timestamp, their own headers), then the reason and their origin in headers of their own:
 * `dlq.reason`, `dlq.topic`, `dlq.partition`, `dlq.offset`. A record that already had one of these
 * (a dead letter replayed and refused again) keeps it, before the new one: read the last.
 *
 * A dead letter the producer would refuse as too large (`message.max.bytes`; the record itself
 * may have just fitted, the headers added make it too large) keeps the first bytes of its value
 * that fit, with `dlq.value.truncated` giving the original size: refused, it would stop the
 * runtime, and every restart would read it again. The source topic still holds all of it.
 * @example app.source('user_activity', { ..., deadLetter: deadLetterSink({ topic: 'user_activity_dlq' }) })
 */
export function deadLetterSink(options: { topic: string; connection?: KafkaConnection }): Sink<DeadLetter> {
  return {
    kind: 'kafka',
    target: options.topic,
    open(context: SinkContext) {
      const shared = 'kafkaProducer' in context ? (context as KafkaSinkContext).kafkaProducer : undefined;
      const limit = shared?.maxMessageBytes ?? (options.connection ? maxMessageBytes(options.connection) : Infinity);
      return kafkaSink<DeadLetter>({
        topic: options.topic,
        ...(options.connection ? { connection: options.connection } : {}),
        key: (d) => d.key,
        value: (d) => fitted(d, limit).value,
        headers: ({ value: d }) => fitted(d, limit).headers,
      }).open(context);
    },
  };
}

type Header = Readonly<Record<string, string | Buffer>>;

/**
 * What librdkafka counts on top of the key, the value and the headers' names and values: a
 * record's framing (at most ~40 bytes of attributes and varints) and each header's (two varints).
 */
const RECORD_FRAMING = 64;
const HEADER_FRAMING = 10;

/** The dead letter's value and headers: all of them, or as much of the value as fits the limit. */
function fitted(d: DeadLetter, limit: number): { value: Buffer | null; headers: Header[] } {
  const headers: Header[] = [
    ...(d.headers ?? []),
    { 'dlq.reason': d.reason },
    { 'dlq.topic': d.topic },
    { 'dlq.partition': String(d.partition) },
    { 'dlq.offset': String(d.offset) },
  ];
  const value = d.value;
  if (value === null || value.length + (d.key?.length ?? 0) + headersBytes(headers) + RECORD_FRAMING <= limit) return { value, headers };
  headers.push({ 'dlq.value.truncated': String(value.length) });
  const room = limit - RECORD_FRAMING - (d.key?.length ?? 0) - headersBytes(headers);
  return { value: value.subarray(0, Math.max(0, room)), headers };
}

function headersBytes(headers: readonly Header[]): number {
  let n = 0;
  for (const h of headers) for (const [k, v] of Object.entries(h)) n += Buffer.byteLength(k) + (typeof v === 'string' ? Buffer.byteLength(v) : v.length) + HEADER_FRAMING;
  return n;
}
