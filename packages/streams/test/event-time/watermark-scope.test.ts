import { count, memorySink, processor, streams, tumbling, type WindowResult } from '../../src';
import { TopologyTestDriver } from '../../src/testing';
import { quietCountsApp } from '../support/processors';
import { event, MIN, SEC, sourceOptions, T0, type Event } from '../support/events';

// Which watermark an operator follows, and when it moves: its own source's (not another topic's
// the task also reads), and before each record, after a groupBy as after a groupByKey.

/** Counts a key's records and reports the count 10 s after the first of each batch of them. */
const tenSecondTally = processor<Event, string, number>({
  name: 'tally',
  process(_e, ctx) {
    const seen = ctx.state.get() ?? 0;
    if (seen === 0) ctx.timers.setEventTime('report', ctx.timestamp + 10 * SEC);
    ctx.state.set(seen + 1);
  },
  onTimer(timer, ctx) {
    ctx.emit(`count ${ctx.state.get()} @${(timer.time - T0) / SEC}s`);
    ctx.state.set(0);
  },
});

const pageViews = [event(0), event(20 * SEC), event(25 * SEC), event(100 * SEC)];

describe('the watermark of a re-keyed task', () => {
  it('a groupByKey processor: its timer fires before the record that passes it', async () => {
    const app = streams({ applicationId: 'scope-by-key' });
    const sink = memorySink<string>();
    app.source('events', sourceOptions).groupByKey().process(tenSecondTally).to(sink);
    const driver = await TopologyTestDriver.create(app);
    await driver.pipeAll('events', pageViews);
    expect(driver.values(sink)).toEqual(['count 1 @10s', 'count 2 @30s']);
  });

  it.each(['in-process', 'topics'] as const)('a processor after groupBy sees the same order (repartition %s)', async (repartition) => {
    const app = streams({ applicationId: `scope-group-by-${repartition}` });
    const sink = memorySink<string>();
    app
      .source('events', sourceOptions)
      .groupBy((e) => e.page_url)
      .process(tenSecondTally)
      .to(sink);
    const driver = await TopologyTestDriver.create(app, { repartition });
    await driver.pipeAll('events', pageViews);
    // Before: the re-keyed task's watermark moved after the record: 'count 2 @10s', 'count 2 @35s'.
    expect(driver.values(sink)).toEqual(['count 1 @10s', 'count 2 @30s']);
  });
});

describe('the watermark of a re-keyed task fed by derived records', () => {
  it('goes no further than the slowest partition, whichever partition derived the record', async () => {
    const { app, sink } = quietCountsApp('scope-derived', tumbling('1m'));
    const driver = await TopologyTestDriver.create(app, { partitions: 2 });
    await driver.pipe('events', event(0, { user_id: 'a' }), { partition: 0 }); // a's timer at 1m
    await driver.pipe('events', event(30 * SEC, { user_id: 'b' }), { partition: 1 }); // b's timer at 1m30s
    await driver.pipe('events', event(9 * MIN, { user_id: 'a' }), { partition: 0 }); // fires a's 1m: [1m, 2m) holds 1
    // p0 moves to 10m and fires a's 10m timer, whose output carries p0's 10m - 1 ms; p1 is still at 30s.
    await driver.pipe('events', event(10 * MIN, { user_id: 'a' }), { partition: 0 });
    expect(driver.values(sink)).toEqual([]); // before: the re-keyed task went to 10m and closed [1m, 2m) with 1
    await driver.pipe('events', event(10 * MIN, { user_id: 'b' }), { partition: 1 }); // fires b's 1m30s: [1m, 2m) holds 2
    expect(driver.values(sink).map((r) => `${(r.windowStart - T0) / MIN}=${r.value}`)).toEqual(['1=2']); // before: '1=1' twice
    expect(driver.metrics().late).toEqual({});
  });
});

describe('the watermark of a source', () => {
  const minutes = (rows: WindowResult<unknown, number>[]) => rows.map((r) => `${(r.windowStart - T0) / MIN}=${r.value}`);

  it.each(['groupByKey', 'groupBy'] as const)('closes windows of clicks (%s) whatever another topic read by the same task holds', async (grouping) => {
    const app = streams({ applicationId: `scope-sources-${grouping}` });
    const windows = memorySink<WindowResult<string, number>>();
    const orders = memorySink<Event>();
    const clicks = app.source('clicks', sourceOptions);
    (grouping === 'groupByKey' ? clicks.groupByKey() : clicks.groupBy((e) => e.page_url))
      .window(tumbling('1m'))
      .aggregate(count(), { emit: 'final' })
      .to(windows);
    app.source('orders', sourceOptions).withWatermark('1h').to(orders);
    const driver = await TopologyTestDriver.create(app);
    await driver.pipe('orders', event(0)); // orders' watermark: -1h
    await driver.pipe('clicks', event(0));
    await driver.pipe('clicks', event(30 * MIN)); // clicks' watermark: 30m
    // Before: nothing, the task's watermark being the lowest over clicks and orders.
    expect(minutes(driver.values(windows))).toEqual(['0=1']);
    expect(driver.values(orders)).toHaveLength(1);
  });

  it('a topic that never gets a record holds back no other source’s windows', async () => {
    const app = streams({ applicationId: 'scope-silent-topic' });
    const windows = memorySink<WindowResult<string, number>>();
    app.source('clicks', sourceOptions).groupByKey().window(tumbling('1m')).aggregate(count(), { emit: 'final' }).to(windows);
    app.source('orders', sourceOptions).to(memorySink<Event>());
    const driver = await TopologyTestDriver.create(app);
    await driver.pipe('clicks', event(0, { user_id: 'x' }));
    await driver.pipe('clicks', event(30 * MIN, { user_id: 'x' }));
    expect(minutes(driver.values(windows))).toEqual(['0=1']);
  });

  it('keeps each source’s watermark across a restart', async () => {
    /** Reports the watermark its records see. */
    const seen = processor<Event, string, never>({
      name: 'seen',
      process(_e, ctx) {
        ctx.emit(`${(ctx.timestamp - T0) / MIN}m sees ${(ctx.watermark - T0) / MIN}m`);
      },
    });
    const app = streams({ applicationId: 'scope-restart' });
    const out = memorySink<string>();
    app.source('clicks', sourceOptions).groupByKey().process(seen).to(out);
    app.source('orders', sourceOptions).withWatermark('1h').to(memorySink<Event>());
    const driver = await TopologyTestDriver.create(app);
    await driver.pipe('orders', event(0));
    await driver.pipe('clicks', event(10 * MIN, { user_id: 'x' })); // clicks' watermark: 10m
    await driver.restart();
    await driver.pipe('clicks', event(10 * MIN, { user_id: 'x' })); // moves nothing: what it sees is the restored watermark
    expect(driver.values(out)).toEqual(['10m sees 10m', '10m sees 10m']); // before: -60m, the lowest over both topics
  });

  it('an idle partition follows the slowest active partition of its own topic only', async () => {
    const app = streams({ applicationId: 'scope-idle' });
    app.source('orders', sourceOptions).withWatermark('1h').groupByKey().window(tumbling('1m')).aggregate(count()).to(memorySink());
    app.source('clicks', sourceOptions).to(memorySink<Event>());
    const driver = await TopologyTestDriver.create(app, { idleTimeout: '30s' });
    await driver.pipe('orders', event(0));
    await driver.advanceWallClock('1m'); // orders is idle
    await driver.pipe('clicks', event(30 * MIN)); // clicks is active, at 30m
    await driver.advanceWallClock('1s');
    // An order 20 minutes behind, within its topic's 1-hour delay. Before: the idle orders
    // partition had followed clicks, to 30m + 1h of stream time, and this order was late.
    await driver.pipe('orders', event(20 * MIN));
    expect(driver.metrics().late).toEqual({});
    expect(driver.metrics().watermarks).toEqual({ 'orders:0': T0 + 20 * MIN - 60 * MIN, 'clicks:0': T0 + 30 * MIN });
  });
});
