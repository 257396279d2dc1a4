import { parseDateTime } from '../../time/date-time';

/**
 * The epoch milliseconds of a TIMESTAMP_MILLIS column's staged string, or NaN, as a roll encodes
 * it: parseDateTime's reading, the one the source's `date-time` format and the record's event time
 * use. The row check takes no other string (row-check.ts). `Date.parse` is kept only for rows an
 * earlier version staged: until 7 December 2026 the check took any string Date.parse reads ('1',
 * a time with no offset, 24:00), and a committed row of that kind in a staging file left by a crash
 * would otherwise fail its roll at every restart (a NaN is no INT64). Such a row is written as
 * Date.parse read it, as that version would have.
 */
export function timestampOfText(text: string): number {
  const ms = parseDateTime(text);
  return Number.isNaN(ms) ? Date.parse(text) : ms;
}
