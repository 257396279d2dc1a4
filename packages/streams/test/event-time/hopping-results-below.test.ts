import { count, hopping, memorySink, processor, streams, sum, tumbling, type WindowResult } from '../../src';
import { TopologyTestDriver } from '../../src/testing';
import { event, MIN, sourceOptions, T0 } from '../support/events';

// What the README says of hopping results downstream: every window below finds the results of the
// hopping windows that end after it late; a keyed processor grouped by window start takes them all
// in, and a timer at the window's end sees every page of that window (the top pages of each).

const SIZE = 2 * MIN;
const hourly = hopping({ size: '2m', advance: '1m' });
const minute = (t: number) => (t - T0) / MIN;

/** The two most viewed pages of each hopping window, emitted once its results are all in. */
const topTwo = processor<WindowResult<string, number>, string, Array<[string, number]>, number>({
  name: 'top-two',
  process(r, ctx) {
    const pages = [...(ctx.state.get() ?? []), [r.key, r.value] as [string, number]];
    ctx.state.set(pages.sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, 2));
    ctx.timers.setEventTime('end', r.windowStart + SIZE);
  },
  onTimer(_t, ctx) {
    ctx.emit(`${minute(ctx.key)}: ${(ctx.state.get() ?? []).map(([page, n]) => `${page}=${n}`).join(' ')}`);
    ctx.state.clear();
  },
});

async function pipeViews(driver: TopologyTestDriver) {
  const views: Array<[string, number]> = [['/a', 10_000], ['/b', 20_000], ['/b', 30_000], ['/c', 70_000], ['/c', 80_000], ['/c', 90_000]];
  for (const [page, at] of views) await driver.pipe('events', event(at, { page_url: page }), { partition: page === '/b' ? 1 : 0 });
  for (const partition of [0, 1]) await driver.pipe('events', event(10 * MIN, { page_url: '/z' }), { partition });
}

describe('hopping results downstream', () => {
  it('a keyed processor grouped by window start gets every page of each window', async () => {
    const app = streams({ applicationId: 'hopping-top-two' });
    const sink = memorySink<string>();
    app
      .source('events', sourceOptions)
      .groupBy((e) => e.page_url)
      .window(hourly)
      .aggregate(count(), { emit: 'final' })
      .groupBy((r) => r.windowStart)
      .process(topTwo)
      .to(sink);
    const driver = await TopologyTestDriver.create(app, { partitions: 2 });
    await pipeViews(driver);
    // Windows of different starts are in different tasks: no order between them.
    expect(driver.values(sink).sort()).toEqual(['-1: /b=2 /a=1', '0: /c=3 /b=2', '1: /c=3']);
    expect(driver.metrics().late).toEqual({});
  });

  it('a window below finds late the results of hopping windows that end after it', async () => {
    const app = streams({ applicationId: 'hopping-below-window' });
    const sink = memorySink<WindowResult<string, number>>();
    app
      .source('events', sourceOptions)
      .groupBy((e) => e.page_url)
      .window(hourly)
      .aggregate(count(), { emit: 'final' })
      .groupBy(() => 'all')
      .window(tumbling('10m'))
      .aggregate(sum((r: WindowResult<string, number>) => r.value), { emit: 'final' })
      .to(sink);
    const driver = await TopologyTestDriver.create(app, { partitions: 2 });
    await pipeViews(driver);
    // [-1m, 1m) of /a and /b start in [-10m, 0) and end after it: late. [0, 2m) and [1m, 3m) count.
    expect(driver.values(sink).map((r) => [minute(r.windowStart), r.value])).toEqual([[0, 1 + 2 + 3 + 3]]);
    expect(driver.metrics().late).toEqual({ 'windowAggregate-2': 2 });
  });
});
