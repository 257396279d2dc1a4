import type { Random } from '../random';
import type { UserActivity } from './event';

/** The ways a record can be broken, each of which the pipeline must dead-letter. */
export const MALFORMED_KINDS = ['truncated-json', 'unknown-event-type', 'missing-user-id', 'bad-event-time'] as const;
export type MalformedKind = (typeof MALFORMED_KINDS)[number];

const UNKNOWN_TYPES = ['purchase', 'scroll', 'PAGE_VIEW', ''] as const;
const BAD_TIMES = ['yesterday', '2024-13-45T25:61:00Z', '1704067200000', ''] as const;

/**
 * A malformed record value derived from a well-formed `event`: the JSON cut short, an unknown
 * `event_type`, no `user_id`, or an `event_time` that is not a time.
 */
export function malformedValue(kind: MalformedKind, event: UserActivity, random: Random): string {
  switch (kind) {
    case 'truncated-json': {
      const json = JSON.stringify(event);
      return json.slice(0, random.between(1, json.length - 2));
    }
    case 'unknown-event-type':
      return JSON.stringify({ ...event, event_type: random.pick(UNKNOWN_TYPES) });
    case 'missing-user-id': {
      const { user_id: _omitted, ...rest } = event;
      return JSON.stringify(rest);
    }
    case 'bad-event-time':
      return JSON.stringify({ ...event, event_time: random.pick(BAD_TIMES) });
  }
}
