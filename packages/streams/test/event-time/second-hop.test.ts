import { count, memorySink, streams, sum, tumbling, type WindowResult } from '../../src';
import { TopologyTestDriver } from '../../src/testing';
import { partitionOfKey } from '../../src/runtime/repartition-exchange';
import { event, MIN, sourceOptions, T0 } from '../support/events';
import { echoThenTimer } from '../support/processors';

// Minute counts per page (re-keyed tasks, one per partition) rolled up into 10-minute totals
// through a second groupBy: the roll-up's task hears from every minute-count task, so its
// watermark may go no further than the slowest of them has closed its windows. Otherwise one
// task's later minutes close a 10-minute window before another task has sent its earlier ones.

function rollupApp(emit: 'final' | 'update') {
  const app = streams({ applicationId: `second-hop-${emit}` });
  const totals = memorySink<WindowResult<string, number>>();
  app
    .source('events', sourceOptions)
    .groupBy((e) => e.page_url)
    .window(tumbling('1m'))
    .aggregate(count(), { emit: 'final' })
    .groupBy(() => 'all')
    .window(tumbling('10m'))
    .aggregate(sum((r: WindowResult<string, number>) => r.value), { emit })
    .to(totals);
  return { app, totals };
}

/** The last value of each window, as an upsert sink would hold it. */
const lastPerWindow = (rows: WindowResult<string, number>[]) => Object.fromEntries(rows.map((r) => [(r.windowStart - T0) / MIN, r.value]));

describe('a second hop of re-keyed results', () => {
  const pages = ['/a', '/b', '/c', '/d', '/e', '/f']; // spread over both minute-count tasks

  async function run(emit: 'final' | 'update') {
    const { app, totals } = rollupApp(emit);
    const driver = await TopologyTestDriver.create(app, { partitions: 2 });
    for (const minute of [9, 10]) {
      for (const [i, page] of pages.entries()) await driver.pipe('events', event(minute * MIN + i, { page_url: page }), { partition: 0 });
    }
    // Partition 1 catches up in one step: the minute-count task it reaches closes minutes 9 and
    // 10 before the other task has closed its minute 9.
    await driver.pipe('events', event(30 * MIN, { page_url: '/z' }), { partition: 0 });
    await driver.pipe('events', event(30 * MIN, { page_url: '/z' }), { partition: 1 });
    await driver.pipe('events', event(60 * MIN, { page_url: '/z' }), { partition: 0 });
    await driver.pipe('events', event(60 * MIN, { page_url: '/z' }), { partition: 1 });
    return { rows: driver.values(totals), late: driver.metrics().late };
  }

  it('final: each 10 minutes once, with every page', async () => {
    const { rows, late } = await run('final');
    expect(rows.map((r) => [(r.windowStart - T0) / MIN, r.value])).toEqual([
      [0, 6],
      [10, 6],
      [30, 2],
    ]);
    expect(late).toEqual({});
  });

  it('update: the last row of each 10 minutes holds every page', async () => {
    const { rows } = await run('update');
    expect(lastPerWindow(rows)).toEqual({ 0: 6, 10: 6, 30: 2 });
  });
});

// The same bound holds for a record a processor emits from `process` (it keeps its source record's
// origin, so it is not a derived record): it must not take the task below past a processor task
// above that has yet to fire its timers for the same minute.
describe('a second hop after a processor that emits from process and from timers', () => {
  const pages = ['/a', '/b', '/c', '/d', '/e', '/f', '/g'];
  const onTaskA = pages.find((p) => partitionOfKey(p, 2) === 0)!;
  const onTaskB = pages.find((p) => partitionOfKey(p, 2) === 1)!;

  async function run(lastToMove: 0 | 1) {
    const app = streams({ applicationId: `second-hop-process-${lastToMove}` });
    const perMinute = memorySink<WindowResult<string, number>>();
    app.source('events', sourceOptions).groupBy((e) => e.page_url).process(echoThenTimer).groupBy(() => 'all').window(tumbling('1m')).aggregate(count(), { emit: 'final' }).to(perMinute);
    const driver = await TopologyTestDriver.create(app, { partitions: 2 });
    await driver.pipe('events', event(0, { page_url: onTaskA }), { partition: 0 });
    await driver.pipe('events', event(0, { page_url: onTaskB }), { partition: 1 });
    // Both partitions move to 5 minutes; the second to do so moves the lowest watermark.
    const first = lastToMove === 1 ? 0 : 1;
    await driver.pipe('events', event(5 * MIN, { page_url: first === 0 ? onTaskA : onTaskB }), { partition: first });
    await driver.pipe('events', event(5 * MIN, { page_url: first === 0 ? onTaskB : onTaskA }), { partition: lastToMove });
    await driver.pipe('events', event(20 * MIN, { page_url: onTaskA }), { partition: 0 });
    await driver.pipe('events', event(20 * MIN, { page_url: onTaskB }), { partition: 1 });
    return { rows: driver.values(perMinute).map((r) => [(r.windowStart - T0) / MIN, r.value]), late: driver.metrics().late };
  }

  it.each([0, 1] as const)('counts both timers of minute 1 once, whichever partition moves last (%i)', async (lastToMove) => {
    const { rows, late } = await run(lastToMove);
    expect(rows).toEqual([
      [0, 2],
      [1, 2],
      [5, 2],
      [6, 2],
    ]);
    expect(late).toEqual({});
  });
});
