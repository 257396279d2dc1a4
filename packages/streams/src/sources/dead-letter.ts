import type { RawRecord } from '../runtime/record';

/** A record that could not be decoded or validated, with the reason, routed to the dead-letter sink. */
export interface DeadLetter extends Pick<RawRecord, 'topic' | 'partition' | 'offset' | 'key' | 'value' | 'timestamp' | 'headers'> {
  readonly reason: string;
}
