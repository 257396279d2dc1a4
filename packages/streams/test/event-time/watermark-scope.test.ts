import { count, memorySink, processor, streams, tumbling, type WindowResult } from '../../src';
import { TopologyTestDriver } from '../../src/testing';
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
    const app = streams({ applicationId: 'scope-restart' });
    const windows = memorySink<WindowResult<string, number>>();
    app.source('clicks', sourceOptions).groupByKey().window(tumbling('1m')).aggregate(count(), { emit: 'final' }).to(windows);
    app.source('orders', sourceOptions).withWatermark('1h').to(memorySink<Event>());
    const driver = await TopologyTestDriver.create(app);
    await driver.pipe('orders', event(0));
    await driver.pipe('clicks', event(10 * MIN, { user_id: 'x' })); // clicks' watermark: 10m
    await driver.restart();
    await driver.pipe('clicks', event(5 * MIN, { user_id: 'x' })); // late for clicks, whatever orders holds
    await driver.pipe('clicks', event(30 * MIN, { user_id: 'x' }));
    expect(minutes(driver.values(windows))).toEqual(['10=1']);
    expect(driver.metrics().late).toEqual({ 'windowAggregate-1': 1 });
  });
});
