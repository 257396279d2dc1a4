import type { Key } from '../runtime/record';

/** A total order on keys (null < numbers < strings), so timers of equal time fire in the same order on every run. */
export function compareKeys(a: Key, b: Key): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  if (typeof a !== typeof b) return typeof a === 'number' ? -1 : 1;
  return a < b ? -1 : 1;
}
