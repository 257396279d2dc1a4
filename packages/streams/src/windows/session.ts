import { type Duration, parseDuration } from '../time/duration';
import { checkWindows } from './check-windows';

/**
 * Per-key activity sessions: a session holds records no more than `gap` apart; a record that falls
 * within `gap` of two sessions merges them.
 */
export interface SessionWindows {
  readonly kind: 'session';
  readonly gap: number;
}

/**
 * Session windows with an inactivity `gap`.
 * @example events.groupBy((e) => e.user_id).window(session('30m')).aggregate(count())
 */
export function session(gap: Duration): SessionWindows {
  const ms = parseDuration(gap, 'session gap');
  return checkWindows<SessionWindows>({ kind: 'session', gap: ms });
}
