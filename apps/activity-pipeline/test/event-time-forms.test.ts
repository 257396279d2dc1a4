import { TopologyTestDriver } from '@pipeline/streams/testing';
import { pipeline } from './support';

// The schema's `date-time` takes a space for the 'T'. Date.parse reads such a string with V8's
// legacy parser, which misreads years under 100 ('0049-…' is 2049): the event time was read as
// 2049, the partition's watermark moved 23 years ahead, and every later event was late. The event
// time is now read as ISO 8601 reads it: year 49, far behind the watermark, so that one event is
// late.

it('reads a space-separated date-time of year 49 as year 49, not 2049, and later events are on time', async () => {
  const { app, sinks } = pipeline();
  const driver = await TopologyTestDriver.create(app, { partitions: 1 });
  const view = (event_time: string, user_id: string) => ({ event_time, user_id, page_url: '/a', event_type: 'page_view' });
  await driver.pipe('user_activity', view('2026-01-05 10:00:10Z', 'u1'));
  await driver.pipe('user_activity', view('0049-01-05 10:00:20Z', 'u2'));
  await driver.pipe('user_activity', view('2026-01-05 10:00:30+00:00', 'u3'));
  await driver.pipe('user_activity', view('2026-01-05T10:05:00Z', 'u4'));

  expect(driver.values(sinks.deadLetters)).toEqual([]);
  expect(driver.metrics().late).toEqual({ 'page-view-counts': 1, 'active-users': 1, 'session-tracker': 1 });
  const counts = new Map(driver.values(sinks.pageViews).map((r) => [new Date(r.windowStart).toISOString(), r.value]));
  expect(counts).toEqual(
    new Map([
      ['2026-01-05T10:00:00.000Z', 2],
      ['2026-01-05T10:05:00.000Z', 1],
    ]),
  );
  // The lake and the enriched topic take every valid event, late or not.
  expect(driver.values(sinks.lake).map((e) => e.user_id)).toEqual(['u1', 'u2', 'u3', 'u4']);
  await driver.close();
});
