import { type Duration, parseDuration } from '../time/duration';

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
  if (size <= 0 || advance <= 0) throw new RangeError('hopping window size and advance must be positive');
  if (advance > size) throw new RangeError(`hopping window advance (${advance} ms) must not exceed its size (${size} ms)`);
  return Object.freeze({ kind: 'hopping', size, advance });
}
