/**
 * An epoch-ms time as ISO 8601 text, or, for one no `Date` holds (NaN, beyond ±8.64e15 ms, where
 * `toISOString` throws), as the number it is: for messages, which must not fail themselves.
 * @example isoTime(0) // '1970-01-01T00:00:00.000Z'
 */
export function isoTime(time: number): string {
  return Number.isFinite(time) && Math.abs(time) <= 8.64e15 ? new Date(time).toISOString() : String(time);
}
