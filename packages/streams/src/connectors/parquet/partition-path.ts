import type { SinkRecord } from '../../sinks/sink';

const DAY_MS = 86_400_000;
/** The furthest instant from 1970 a JavaScript `Date` holds, either way: 100,000,000 days. */
const MAX_DATE_MS = 8.64e15;

/**
 * The default partitioning: Hive-style `event_date=YYYY-MM-DD` from the record's event time, in
 * UTC. The text of each day is computed once: the sink asks for every row.
 *
 * @param name the sink's, for errors.
 * @throws Error naming the record and its event time when that is not a time a `Date` holds
 * (NaN, infinite, or beyond ±8.64e15 ms: an extractor that returns nanoseconds by mistake), which
 * made the directory `event_date=0NaN-NaN-NaN`.
 * @example
 * const byDate = eventDatePartition();
 * byDate({ value: e, timestamp: Date.UTC(2024, 0, 1, 12) }); // 'event_date=2024-01-01'
 */
export function eventDatePartition(name?: string): (record: SinkRecord<unknown>) => string {
  const days = new Map<number, string>();
  return (record) => {
    // Checked for every record, not only a day's first: 8.64e15 + 1 is in the last day, which a Date holds.
    if (!(Math.abs(record.timestamp) <= MAX_DATE_MS)) throw noEventTime(name, record);
    const day = Math.floor(record.timestamp / DAY_MS);
    let path = days.get(day);
    if (path === undefined) {
      path = `event_date=${isoDate(new Date(day * DAY_MS))}`;
      days.set(day, path);
    }
    return path;
  };
}

function noEventTime(name: string | undefined, record: SinkRecord<unknown>): Error {
  const sink = name === undefined ? 'parquet sink' : `parquet sink ${name}`;
  const origin = record.origin;
  const which = origin === undefined ? 'the record' : `the record of ${origin.topic}:${origin.partition} at offset ${origin.offset}`;
  return new Error(`${sink}: ${which} has no valid event time (${record.timestamp})`);
}

/**
 * `YYYY-MM-DD` of a UTC day. Not `toISOString().slice(0, 10)`: outside years 0-9999 (an event of
 * '9999-12-31T23:59:59-23:59' is in year 10000) that is `+010000-01`, a month with no day.
 */
function isoDate(date: Date): string {
  const year = date.getUTCFullYear();
  const yyyy = `${year < 0 ? '-' : ''}${String(Math.abs(year)).padStart(4, '0')}`;
  return `${yyyy}-${String(date.getUTCMonth() + 1).padStart(2, '0')}-${String(date.getUTCDate()).padStart(2, '0')}`;
}

/**
 * Checks a partition path a custom `partitionBy` returned: relative, `/`-separated, with no
 * segment a Parquet reader would skip (starting with `.` or `_`) or that climbs out of the lake.
 *
 * @example
 * checkPartitionPath('event_date=2024-01-01/hour=12'); // undefined: fine
 * checkPartitionPath('../x'); // a message
 */
export function checkPartitionPath(path: string): string | undefined {
  if (path.length === 0) return 'it is empty';
  for (const segment of path.split('/')) {
    if (segment.length === 0) return 'it has an empty segment (a leading, trailing or double /)';
    if (segment.startsWith('.') || segment.startsWith('_')) return `segment '${segment}' starts with '.' or '_' (hidden from Parquet readers)`;
    if (segment.includes('\\') || segment.includes('\0')) return `segment '${segment}' holds a backslash or NUL`;
  }
  return undefined;
}
