import { type Duration, parseDuration } from '../time/duration';
import { checkWindows } from './check-windows';

/** Epoch-aligned, non-overlapping windows of one size: each record is in exactly one window. */
export interface TumblingWindows {
  readonly kind: 'tumbling';
  readonly size: number;
  readonly advance: number;
}

/**
 * Tumbling windows of `size`, aligned to the epoch: `[0, size)`, `[size, 2·size)`…
 * A record at exactly a window's end belongs to the next window.
 * @example events.groupBy((e) => e.page_url).window(tumbling('1m')).aggregate(count())
 */
export function tumbling(size: Duration): TumblingWindows {
  const ms = parseDuration(size, 'tumbling window size');
  return checkWindows<TumblingWindows>({ kind: 'tumbling', size: ms, advance: ms });
}
