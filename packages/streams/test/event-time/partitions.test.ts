import { count, memorySink, streams, tumbling, type DeadLetter, type WindowResult } from '../../src';
import { TopologyTestDriver } from '../../src/testing';
import { event, MIN, SEC, sourceOptions, T0 } from '../support/events';

function app(emit: 'update' | 'final', grouping: 'page' | 'user' = 'page') {
  const a = streams({ applicationId: `partitions-${emit}-${grouping}` });
  const sink = memorySink<WindowResult<string, number>>();
  const source = a.source('events', sourceOptions).withWatermark('2m');
  const grouped = grouping === 'page' ? source.groupBy((e) => e.page_url) : source.groupByKey();
  grouped.window(tumbling('1m')).aggregate(count(), { emit }).to(sink);
  return { app: a, sink };
}

const minutes = (rows: WindowResult<string, number>[]) => rows.map((r) => `${r.key}@${(r.windowStart - T0) / MIN}=${r.value}`);

describe('stream time per partition', () => {
  it('judges lateness by the stream time of the record’s own partition', async () => {
    const { app: a, sink } = app('update');
    const driver = await TopologyTestDriver.create(a, { partitions: 2 });
    await driver.pipe('events', event(10 * MIN), { partition: 0 }); // p0 watermark 8m
    // p1 has seen nothing: a record from minute 0 is on time there, though p0 is far ahead.
    await driver.pipe('events', event(30 * SEC), { partition: 1 });
    await driver.pipe('events', event(30 * SEC), { partition: 0 }); // late on p0
    expect(minutes(driver.values(sink))).toEqual(['/home@10=1', '/home@0=1']);
    expect(driver.metrics().late).toEqual({ 'windowAggregate-1': 1 });
  });

  it('closes a re-keyed window only when every partition’s watermark has passed its end', async () => {
    const { app: a, sink } = app('final');
    const driver = await TopologyTestDriver.create(a, { partitions: 2 });
    await driver.pipe('events', event(0), { partition: 0 });
    await driver.pipe('events', event(5 * MIN), { partition: 0 }); // p0 watermark 3m
    expect(driver.values(sink)).toEqual([]); // p1 has no watermark yet
    await driver.pipe('events', event(2 * MIN + 59 * SEC), { partition: 1 }); // p1 watermark 59s
    expect(driver.values(sink)).toEqual([]);
    await driver.pipe('events', event(3 * MIN), { partition: 1 }); // p1 watermark 1m: [0,1m) closes
    expect(minutes(driver.values(sink))).toEqual(['/home@0=1']);
  });

  it('closes a window grouped by the source key on its own partition’s watermark', async () => {
    const { app: a, sink } = app('final', 'user');
    const driver = await TopologyTestDriver.create(a, { partitions: 2 });
    await driver.pipe('events', event(0, { user_id: 'a' }), { partition: 0 });
    await driver.pipe('events', event(3 * MIN, { user_id: 'a' }), { partition: 0 }); // p0 watermark 1m
    expect(minutes(driver.values(sink))).toEqual(['a@0=1']);
  });

  it('lets an idle partition stop holding windows open, and then judges its records late', async () => {
    const { app: a, sink } = app('final');
    const driver = await TopologyTestDriver.create(a, { partitions: 2, idleTimeout: '30s' });
    await driver.pipe('events', event(0), { partition: 0 });
    await driver.pipe('events', event(5 * MIN), { partition: 0 });
    await driver.advanceWallClock('29s');
    expect(driver.values(sink)).toEqual([]);
    await driver.advanceWallClock('1s'); // both partitions quiet for 30s: p1 idle, p0 too, nothing to follow
    expect(driver.values(sink)).toEqual([]);
    await driver.pipe('events', event(6 * MIN), { partition: 0 }); // p0 active again; p1 idle follows p0 to 4m
    await driver.advanceWallClock('1s');
    expect(minutes(driver.values(sink))).toEqual(['/home@0=1']);
    expect(driver.metrics().idlePartitions).toEqual(['events:1']);
    // p1 followed p0: an old record there is now late.
    await driver.pipe('events', event(3 * MIN + 30 * SEC), { partition: 1 });
    expect(driver.metrics().late).toEqual({ 'windowAggregate-1': 1 });
    expect(driver.metrics().idlePartitions).toEqual([]);
  });

  it('lets a partition that gets only invalid records go idle: a dead letter has no event time to hold windows at', async () => {
    const a = streams({ applicationId: 'partitions-garbage' });
    const sink = memorySink<WindowResult<string, number>>();
    const deadLetter = memorySink<DeadLetter>();
    a.source('events', { ...sourceOptions, deadLetter }).withWatermark('2m').groupBy((e) => e.page_url).window(tumbling('1m')).aggregate(count(), { emit: 'final' }).to(sink);
    const driver = await TopologyTestDriver.create(a, { partitions: 2, idleTimeout: '30s' });
    await driver.pipe('events', event(0), { partition: 1 }); // p1 watermark -2m
    await driver.pipe('events', event(10 * SEC), { partition: 0 });
    await driver.pipe('events', event(5 * MIN), { partition: 0 }); // p0 watermark 3m
    // A broken producer writes to p1 from now on: 40 s of records that are not events.
    for (let s = 0; s < 40; s += 10) {
      await driver.pipe('events', 'not json', { partition: 1 });
      await driver.advanceWallClock('10s');
    }
    await driver.pipe('events', event(6 * MIN), { partition: 0 });
    await driver.advanceWallClock('1s');
    expect(driver.values(deadLetter)).toHaveLength(4);
    expect(driver.metrics().idlePartitions).toEqual(['events:1']);
    expect(minutes(driver.values(sink))).toEqual(['/home@0=2']);
  });
});

describe('source topics with different partition counts', () => {
  it('closes the windows of a partition only one topic has: no clock waits for a partition that does not exist', async () => {
    const a = streams({ applicationId: 'two-topics' });
    const clicks = memorySink<WindowResult<string, number>>();
    a.source('clicks', sourceOptions).groupByKey().window(tumbling('1m')).aggregate(count(), { emit: 'final' }).to(clicks);
    a.source('orders', sourceOptions).groupByKey().window(tumbling('1m')).aggregate(count(), { emit: 'final' }).to(memorySink());
    const driver = await TopologyTestDriver.create(a, { partitions: { clicks: 2, orders: 1 } });
    await driver.pipe('orders', event(10 * MIN), { partition: 0 });
    await driver.pipe('clicks', event(0, { user_id: 'x' }), { partition: 1 });
    await driver.pipe('clicks', event(5 * MIN, { user_id: 'x' }), { partition: 1 }); // clicks:1 at 5m closes minute 0
    await driver.pipe('clicks', event(6 * MIN, { user_id: 'x' }), { partition: 1 }); // and minute 5
    expect(minutes(driver.values(clicks))).toEqual(['x@0=1', 'x@5=1']);
  });
});
