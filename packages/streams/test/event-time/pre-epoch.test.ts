import { count, memorySink, processor, streams, tumbling, type WindowResult } from '../../src';
import { TopologyTestDriver } from '../../src/testing';
import { event, MIN, sourceOptions, T0, type Event } from '../support/events';

// Event times before 1970 are negative numbers: windows and lateness work the same on both sides
// of the epoch, in process and through repartition topics.

/** An event `ms` after 1970-01-01T00:00:00Z (before it, when negative). */
const at = (ms: number, fields: Partial<Omit<Event, 'event_time'>> = {}) => event(ms - T0, fields);

describe.each(['in-process', 'topics'] as const)('event times before the epoch (repartition %s)', (repartition) => {
  it('count the first record of a partition, the one before any watermark, in its re-keyed window', async () => {
    const app = streams({ applicationId: 'pre-epoch-windows' });
    const sink = memorySink<WindowResult<string, number>>();
    app.source('events', sourceOptions).groupBy((e) => e.page_url).window(tumbling('1m')).aggregate(count(), { emit: 'final' }).to(sink);
    const driver = await TopologyTestDriver.create(app, { repartition });
    await driver.pipe('events', at(-MIN)); // 1969-12-31T23:59:00Z: the window [-1m, 0)
    await driver.pipe('events', at(5 * MIN)); // closes it
    expect(driver.values(sink)).toEqual([{ key: '/home', windowStart: -MIN, windowEnd: 0, value: 1 }]);
    expect(driver.metrics().late).toEqual({});
  });

  it('give a re-keyed processor the first record of a partition', async () => {
    const app = streams({ applicationId: 'pre-epoch-processor' });
    const sink = memorySink<number>();
    app
      .source('events', sourceOptions)
      .groupBy((e) => e.page_url)
      .process(processor<Event, number, never>({ name: 'times', process: (_e, ctx) => ctx.emit(ctx.timestamp) }))
      .to(sink);
    const driver = await TopologyTestDriver.create(app, { repartition });
    await driver.pipe('events', at(-1000));
    expect(driver.values(sink)).toEqual([-1000]);
    expect(driver.metrics().late).toEqual({});
  });
});
