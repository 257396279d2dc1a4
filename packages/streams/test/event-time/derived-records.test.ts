import { count, memoryBackend, memorySink, processor, session, streams, sum, tumbling, VirtualClock, type WindowResult } from '../../src';
import { TopologyTestDriver } from '../../src/testing';
import { quietCountsApp } from '../support/processors';
import { startEngine } from '../support/engine';
import { event, MIN, sourceOptions, T0, type Event } from '../support/events';

// What a stateful operator emits as the watermark moves (closed windows, timer output) is event
// time the watermark has just passed. It carries the watermark from before that advance, so the
// stateful operators below it take it in instead of finding it late.

/** Per-minute counts per page, rolled up into hourly totals. */
function rollupApp(emit: 'update' | 'final') {
  const app = streams({ applicationId: `rollup-${emit}` });
  const hourly = memorySink<WindowResult<string, number>>();
  app
    .source('events', sourceOptions)
    .groupBy((e) => e.page_url)
    .window(tumbling('1m'))
    .aggregate(count(), { emit: 'final' })
    .groupBy((r) => r.key)
    .window(tumbling('1h'))
    .aggregate(sum((r: WindowResult<string, number>) => r.value), { emit })
    .to(hourly);
  return { app, hourly };
}

const hours = (rows: WindowResult<string, number>[]) => rows.map((r) => [(r.windowStart - T0) / MIN, r.value]);

describe('records derived by a stateful operator', () => {
  it.each(['final', 'update'] as const)('roll up: the last minute of an hour, closed by the advance that closes the hour, counts in it (%s)', async (emit) => {
    const { app, hourly } = rollupApp(emit);
    const driver = await TopologyTestDriver.create(app, { commit: 'manual' });
    await driver.pipe('events', event(10 * MIN));
    await driver.pipe('events', event(20 * MIN));
    await driver.pipe('events', event(59 * MIN + 30_000));
    await driver.pipe('events', event(61 * MIN)); // closes minute 59 and the hour [0, 60)
    await driver.pipe('events', event(3 * 60 * MIN + 1)); // closes minute 61 and the hour [60, 120)
    await driver.commit();
    expect(hours(driver.values(hourly))).toEqual([
      [0, 3],
      [60, 1],
    ]);
    expect(driver.metrics().late).toEqual({});
  });

  it('a timer’s output is not late for a session window downstream', async () => {
    const { app, sink } = quietCountsApp('timer-output', session('1h'));
    const driver = await TopologyTestDriver.create(app);
    await driver.pipe('events', event(0)); // timer at 1m
    await driver.pipe('events', event(2 * MIN)); // fires @1m; timer at 3m
    await driver.pipe('events', event(10 * MIN)); // fires @3m; timer at 11m
    await driver.pipe('events', event(5 * 60 * MIN)); // fires @11m, then the session [1m, 11m] closes
    expect(driver.values(sink).map((r) => [(r.windowStart - T0) / MIN, (r.windowEnd - T0) / MIN, r.value])).toEqual([[1, 11, 3]]);
    expect(driver.metrics().late).toEqual({});
  });
});

describe('results emitted at a commit', () => {
  it('an emitLatest result carries the watermark of the commit: a window below that closed since does not open again', async () => {
    const latest = processor<Event, Event, never>({ name: 'latest', process: (e, ctx) => ctx.emitLatest('last', e) });
    const app = streams({ applicationId: 'emit-latest-downstream' });
    const sink = memorySink<WindowResult<string, number>>();
    app.source('events', sourceOptions).groupByKey().process(latest).groupByKey().window(tumbling('1m')).aggregate(count(), { emit: 'final' }).to(sink);
    const driver = await TopologyTestDriver.create(app, { commit: 'manual' });
    await driver.pipe('events', event(0, { user_id: 'u1' }));
    await driver.commit(); // u1@0 reaches the window [0, 1m)
    await driver.pipe('events', event(30_000, { user_id: 'u1' })); // pending until the next commit
    await driver.pipe('events', event(2 * MIN, { user_id: 'u2' })); // closes [0, 1m) with 1
    await driver.commit(); // u1@30s comes now, after its window closed: late
    await driver.pipe('events', event(5 * MIN, { user_id: 'u3' }));
    await driver.commit();
    expect(driver.values(sink).map((r) => [r.key, (r.windowStart - T0) / MIN, r.value])).toEqual([['u1', 0, 1], ['u2', 2, 1]]);
  });
});

describe('results of one advance or of many', () => {
  it('a re-keyed task gives the same results downstream whatever the batches', async () => {
    const run = async (batches: number[][]) => {
      const { app, hourly } = rollupApp('final');
      const { engine } = await startEngine(app, memoryBackend(), new VirtualClock(0));
      let offset = 0;
      for (const batch of batches) engine.process(batch.map((at) => ({ topic: 'events', partition: 0, offset: offset++, key: null, value: Buffer.from(JSON.stringify(event(at))) })));
      await engine.committed(await engine.commit());
      return { rows: hourly.values().map((r) => [(r.windowStart - T0) / MIN, (r.windowEnd - T0) / MIN, r.value]), late: engine.metrics().late };
    };
    const times = [0, 30_000, 70_000, 1000 * MIN];
    const together = await run([times]);
    const apart = await run(times.map((t) => [t]));
    expect(apart).toEqual(together);
    expect(together).toEqual({ rows: [[0, 60, 3]], late: {} });
  });
});
