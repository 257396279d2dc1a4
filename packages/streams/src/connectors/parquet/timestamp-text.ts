import { parseDateTime } from '../../time/date-time';

/**
 * The epoch milliseconds of a TIMESTAMP_MILLIS column's string, or NaN. First parseDateTime's
 * reading, the one the source's `date-time` format and the record's event time use; `Date.parse`
 * only for other forms, in rows that did not come from a checked source. The row check and the
 * encoder both call this: a value the check refused, though the source took it, stopped the sink
 * at every restart ('0019-02-16 15:24:00Z': Date.parse has no reading of it).
 */
export function timestampOfText(text: string): number {
  const ms = parseDateTime(text);
  return Number.isNaN(ms) ? Date.parse(text) : ms;
}
