import type { Message } from 'node-rdkafka';
import type { RawRecord } from '../../runtime/record';

/** A node-rdkafka message as the engine reads it. */
export function toRaw(m: Message): RawRecord {
  // One literal of one shape for every record: this runs for each record read.
  return {
    topic: m.topic,
    partition: m.partition,
    offset: m.offset,
    key: m.key === undefined || m.key === null ? null : Buffer.isBuffer(m.key) ? m.key : Buffer.from(m.key),
    value: m.value ?? null,
    timestamp: m.timestamp,
    // The record's own headers, for its dead letter (the reference: nothing is copied).
    headers: m.headers,
  };
}
