import { count, memorySink, streams, tumbling, type WindowResult } from '../../src';
import { TopologyTestDriver } from '../../src/testing';
import { event, MIN, SEC, sourceOptions, T0 } from '../support/events';

function pageViewsApp(emit: 'update' | 'final') {
  const app = streams({ applicationId: 'tumbling-test' });
  const sink = memorySink<WindowResult<string, number>>();
  app
    .source('events', sourceOptions)
    .withWatermark('2m')
    .groupBy((e) => e.page_url)
    .window(tumbling('1m'))
    .aggregate(count(), { emit })
    .to(sink);
  return { app, sink };
}

const row = (page: string, startMin: number, value: number) => ({
  key: page,
  windowStart: T0 + startMin * MIN,
  windowEnd: T0 + (startMin + 1) * MIN,
  value,
});

describe('tumbling windows', () => {
  it('puts a record at exactly a window end into the next window', async () => {
    const { app, sink } = pageViewsApp('update');
    const driver = await TopologyTestDriver.create(app);
    await driver.pipe('events', event(0));
    await driver.pipe('events', event(MIN - 1));
    await driver.pipe('events', event(MIN)); // [1m, 2m)
    expect(driver.values(sink)).toEqual([row('/home', 0, 1), row('/home', 0, 2), row('/home', 1, 1)]);
  });

  it('emits each window once, when the watermark passes its end, in final mode', async () => {
    const { app, sink } = pageViewsApp('final');
    const driver = await TopologyTestDriver.create(app);
    await driver.pipe('events', event(10 * SEC));
    await driver.pipe('events', event(20 * SEC, { page_url: '/a' }));
    await driver.pipe('events', event(3 * MIN - 1)); // watermark = 1m - 1ms: [0, 1m) still open
    expect(driver.values(sink)).toEqual([]);
    await driver.pipe('events', event(3 * MIN)); // watermark = 1m: [0, 1m) closes
    expect(driver.values(sink)).toEqual([row('/home', 0, 1), row('/a', 0, 1)]);
  });

  it('decides lateness exactly at end + delay <= stream time', async () => {
    const { app, sink } = pageViewsApp('update');
    const driver = await TopologyTestDriver.create(app);
    await driver.pipe('events', event(3 * MIN - 1)); // stream time 3m - 1ms: watermark 1m - 1ms
    await driver.pipe('events', event(59 * SEC)); // window [0, 1m): end 1m > watermark → counted
    await driver.pipe('events', event(3 * MIN)); // watermark 1m
    await driver.pipe('events', event(30 * SEC)); // end 1m <= watermark 1m → late
    expect(driver.values(sink)).toEqual([row('/home', 2, 1), row('/home', 0, 1), row('/home', 3, 1)]);
    expect(driver.metrics().late).toEqual({ 'windowAggregate-1': 1 });
  });

  it('counts out-of-order records that are within the watermark into their own window', async () => {
    const { app, sink } = pageViewsApp('final');
    const driver = await TopologyTestDriver.create(app);
    await driver.pipe('events', event(2 * MIN + 30 * SEC)); // watermark 30s
    await driver.pipe('events', event(45 * SEC)); // 1m45s behind, window [0, 1m) still open
    await driver.pipe('events', event(MIN + 10 * SEC)); // [1m, 2m)
    await driver.pipe('events', event(31 * SEC)); // still open: window end 1m > watermark 30s
    await driver.pipe('events', event(4 * MIN)); // watermark 2m: closes [0, 1m) and [1m, 2m)
    expect(driver.values(sink)).toEqual([row('/home', 0, 2), row('/home', 1, 1)]);
    expect(driver.metrics().late).toEqual({});
  });
});
