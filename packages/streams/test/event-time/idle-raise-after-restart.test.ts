import { count, memorySink, streams, tumbling, type WindowResult } from '../../src';
import { TopologyTestDriver } from '../../src/testing';
import { event, MIN, SEC, sourceOptions } from '../support/events';

// An idle source partition's raised watermark goes down the repartition topic at once, where it
// is durable whether or not the commit that saves the raise succeeds (at-least-once). After a
// restart from the commit before it, the source partition's next record was not late at its
// source (the raise was lost there), yet the task below had closed its window on the raise: the
// record reopened the closed window, and a second result, a partial count, replaced the first.
// Below the repartition topic, a record is judged by the highest watermark heard from its source
// partition: late, as in the run that did not restart.

function app() {
  const a = streams({ applicationId: 'idle-raise-after-restart' });
  const sink = memorySink<WindowResult<string, number>>();
  a.source('events', sourceOptions).groupBy((e) => e.page_url).window(tumbling('1m')).aggregate(count(), { emit: 'final' }).to(sink);
  return { app: a, sink };
}

const results = (values: readonly WindowResult<string, number>[]) => values.map((r) => `${r.key}@${(r.windowStart - values[0]!.windowStart) / MIN}=${r.value}`);

it.each([
  ['without a restart', false],
  ['restarted from the commit before the raise', true],
])('closes a window once when a partition raised while idle sends an old record (%s)', async (_, restart) => {
  const { app: a, sink } = app();
  const driver = await TopologyTestDriver.create(a, { partitions: 2, idleTimeout: '2s', commit: 'manual', repartition: 'topics' });
  await driver.pipe('events', event(10 * SEC, { page_url: '/a' }), { partition: 0 });
  await driver.pipe('events', event(20 * SEC, { page_url: '/a' }), { partition: 1 });
  await driver.commit();
  await driver.advanceWallClock('3s');
  // p0 moves on; p1, idle, follows it: the raise goes down the repartition topic, and [0, 1m) of /a closes.
  await driver.pipe('events', event(5 * MIN, { page_url: '/b' }), { partition: 0 });
  await driver.advanceWallClock('1s');
  if (restart) await driver.restart(); // the raise was not committed at the source
  await driver.pipe('events', event(30 * SEC, { page_url: '/a' }), { partition: 1 });
  await driver.pipe('events', event(7 * MIN, { page_url: '/b' }), { partition: 0 });
  await driver.pipe('events', event(7 * MIN, { page_url: '/b' }), { partition: 1 });
  await driver.commit();
  expect(results(driver.values(sink)).filter((r) => r.startsWith('/a'))).toEqual(['/a@0=2']);
  expect(driver.metrics().late).toEqual({ 'windowAggregate-1': 1 });
});
