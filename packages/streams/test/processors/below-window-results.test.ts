import { count, hopping, memorySink, processor, streams, tumbling, type WindowResult } from '../../src';
import { TopologyTestDriver } from '../../src/testing';
import { event, MIN, sourceOptions, T0 } from '../support/events';

// A window result is stamped with its window's start but made when the watermark passes its end:
// a keyed processor below must take it in (as Kafka Streams' process() after toStream() does),
// not judge it late by its start, which is always behind the watermark it carries.

/** Passes on `<page> <minute>=<count>` for every window result it is given. */
const echo = processor<WindowResult<string, number>, string, never>({
  name: 'echo',
  process: (r, ctx) => ctx.emit(`${ctx.key} ${(r.windowStart - T0) / MIN}=${r.value}`),
});

function countsThenProcessor(emit: 'final' | 'update', rekey: boolean) {
  const app = streams({ applicationId: `below-window-${emit}-${rekey}` });
  const sink = memorySink<string>();
  const counts = app
    .source('events', sourceOptions)
    .withWatermark('1m')
    .groupBy((e) => e.page_url)
    .window(tumbling('1m'))
    .aggregate(count(), { emit });
  (rekey ? counts.groupBy((r) => r.key) : counts.groupByKey()).process(echo).to(sink);
  return { app, sink };
}

describe('a keyed processor below window results', () => {
  it.each([false, true])('takes every final result in (re-keyed: %s)', async (rekey) => {
    const { app, sink } = countsThenProcessor('final', rekey);
    const driver = await TopologyTestDriver.create(app);
    await driver.pipe('events', event(10_000, { page_url: '/a' }));
    await driver.pipe('events', event(20_000, { page_url: '/a' }));
    await driver.pipe('events', event(MIN + 5_000, { page_url: '/b' }));
    await driver.pipe('events', event(10 * MIN)); // watermark 9m: both windows close
    expect(driver.values(sink)).toEqual(['/a 0=2', '/b 1=1']);
    expect(driver.metrics().late).toEqual({});
  });

  it('takes every update of a result in, not only the first', async () => {
    const { app, sink } = countsThenProcessor('update', false);
    const driver = await TopologyTestDriver.create(app);
    await driver.pipe('events', event(10_000, { page_url: '/a' }));
    await driver.pipe('events', event(70_000, { page_url: '/b' })); // watermark 10s: [0, 1m) still open
    await driver.pipe('events', event(40_000, { page_url: '/a' })); // counted: its window ends after the watermark
    expect(driver.values(sink)).toEqual(['/a 0=1', '/b 1=1', '/a 0=2']);
    expect(driver.metrics().late).toEqual({});
  });

  it('takes hopping results in, whose starts are a window size behind the watermark they carry', async () => {
    const app = streams({ applicationId: 'below-hopping' });
    const sink = memorySink<string>();
    app
      .source('events', sourceOptions)
      .groupBy((e) => e.page_url)
      .window(hopping({ size: '2m', advance: '1m' }))
      .aggregate(count(), { emit: 'final' })
      .groupByKey()
      .process(echo)
      .to(sink);
    const driver = await TopologyTestDriver.create(app);
    await driver.pipe('events', event(30_000, { page_url: '/a' }));
    await driver.pipe('events', event(5 * MIN));
    expect(driver.values(sink)).toEqual(['/a -1=1', '/a 0=1']);
  });

  it('still leaves out a source record behind the watermark', async () => {
    const app = streams({ applicationId: 'below-source' });
    const sink = memorySink<string>();
    const late = memorySink<unknown>();
    const seen = app
      .source('events', sourceOptions)
      .groupByKey()
      .process(processor<unknown, string, never>({ process: (_e, ctx) => ctx.emit(String((ctx.timestamp - T0) / MIN)) }));
    seen.to(sink);
    seen.late().to(late);
    const driver = await TopologyTestDriver.create(app);
    await driver.pipe('events', event(2 * MIN));
    await driver.pipe('events', event(MIN));
    expect(driver.values(sink)).toEqual(['2']);
    expect(driver.values(late)).toHaveLength(1);
  });
});
