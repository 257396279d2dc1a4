import type { RawRecord } from '../runtime/record';

/**
 * A record that could not be decoded or validated, or that the application's code threw on, with
 * the reason, routed to the dead-letter sink.
 */
export interface DeadLetter extends Pick<RawRecord, 'topic' | 'partition' | 'offset' | 'key' | 'value' | 'timestamp' | 'headers'> {
  readonly reason: string;
}

/** The dead letter of a record as it was read: its position, key, bytes, timestamp and headers. */
export function deadLetterOf(raw: RawRecord, reason: string): DeadLetter {
  return {
    reason,
    topic: raw.topic,
    partition: raw.partition,
    offset: raw.offset,
    key: raw.key,
    value: raw.value,
    ...(raw.timestamp !== undefined ? { timestamp: raw.timestamp } : {}),
    ...(raw.headers !== undefined ? { headers: raw.headers } : {}),
  };
}
