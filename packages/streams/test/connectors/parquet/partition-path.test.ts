import { eventDatePartition } from '../../../src/connectors/parquet/partition-path';
import { parseDateTime } from '../../../src/time/date-time';

// The default partitioning names the event's UTC day. toISOString().slice(0, 10) did, for years
// 0-9999 only: the schema's date-time takes '9999-12-31T23:59:59-23:59', which is in year 10000,
// and its partition was 'event_date=+010000-01', a month with no day.

const partitionOf = (eventTime: string) => eventDatePartition()({ value: {}, timestamp: parseDateTime(eventTime) });

it('names the UTC day of the event time, in years 0-9999 and beyond them', () => {
  expect(partitionOf('2026-01-05T23:59:59.999Z')).toBe('event_date=2026-01-05');
  expect(partitionOf('2026-01-05T23:30:00-01:00')).toBe('event_date=2026-01-06');
  expect(partitionOf('1969-12-31T23:59:59.999Z')).toBe('event_date=1969-12-31');
  expect(partitionOf('0049-01-05 10:00:00Z')).toBe('event_date=0049-01-05');
  expect(partitionOf('9999-12-31T23:59:59-23:59')).toBe('event_date=10000-01-01');
  expect(partitionOf('0000-01-01T00:00:00+23:59')).toBe('event_date=-0001-12-31');
});

// A JavaScript Date holds ±8.64e15 ms. An event time beyond it (an extractor that returns
// nanoseconds by mistake: 1.7e18) made the directory 'event_date=0NaN-NaN-NaN'.
it('refuses an event time a Date cannot hold, as it refuses a non-finite one, naming the value', () => {
  const byDate = eventDatePartition();
  expect(byDate({ value: {}, timestamp: 8.64e15 })).toBe('event_date=275760-09-13');
  expect(byDate({ value: {}, timestamp: -8.64e15 })).toBe('event_date=-271821-04-20');
  for (const timestamp of [1.7e18, -1.7e18, 8.64e15 + 1, -8.64e15 - 1, Number.NaN, Number.POSITIVE_INFINITY]) {
    expect(() => byDate({ value: {}, timestamp })).toThrow(`has no valid event time (${timestamp})`);
  }
});
