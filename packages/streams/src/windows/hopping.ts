import { type Duration, parseDuration } from '../time/duration';
import { checkWindows } from './check-windows';

/** Epoch-aligned windows of `size` that start every `advance`; a record is in size/advance of them. */
export interface HoppingWindows {
  readonly kind: 'hopping';
  readonly size: number;
  readonly advance: number;
}

/**
 * Hopping (sliding) windows: `size` long, a new one starting every `advance`, aligned to the epoch.
 * @example events.window(hopping({ size: '5m', advance: '1m' })).aggregate(countDistinct((e) => e.user_id))
 */
export function hopping(options: { size: Duration; advance: Duration }): HoppingWindows {
  const size = parseDuration(options.size, 'hopping window size');
  const advance = parseDuration(options.advance, 'hopping window advance');
  return checkWindows<HoppingWindows>({ kind: 'hopping', size, advance });
}
