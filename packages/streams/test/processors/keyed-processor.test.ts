import { memorySink, processor, streams } from '../../src';
import { TopologyTestDriver } from '../../src/testing';
import { event, MIN, SEC, sourceOptions, T0, type Event } from '../support/events';

/** Records everything it sees: records, timers, with the watermark at that moment. */
const tracer = processor<Event, string, number>({
  name: 'tracer',
  process(e, ctx) {
    const seen = (ctx.state.get() ?? 0) + 1;
    ctx.state.set(seen);
    ctx.emit(`record ${e.event_type} @${(ctx.timestamp - T0) / SEC}s #${seen}`);
    if (e.event_type === 'session_start') ctx.timers.setEventTime('alarm', ctx.timestamp + MIN);
    if (e.event_type === 'session_end') ctx.timers.cancel('alarm');
    if (e.event_type === 'click') ctx.timers.setProcessingTime('poke', ctx.wallClockTime + 10 * SEC);
  },
  onTimer(timer, ctx) {
    ctx.emit(`${timer.type} ${timer.name} @${(timer.time - T0) / SEC}s (watermark ${(ctx.watermark - T0) / SEC}s)`);
  },
});

function tracerApp(delay: string) {
  const app = streams({ applicationId: 'tracer' });
  const sink = memorySink<string>();
  const late = memorySink<Event>();
  const out = app.source('events', sourceOptions).withWatermark(delay as '0s').groupByKey().process(tracer);
  out.to(sink);
  out.late().to(late);
  return { app, sink, late };
}

describe('keyed processors', () => {
  it('fires an event-time timer when the watermark reaches it, before the record that moved it', async () => {
    const { app, sink } = tracerApp('10s');
    const driver = await TopologyTestDriver.create(app);
    await driver.pipe('events', event(0, { event_type: 'session_start' })); // alarm at 60s
    await driver.pipe('events', event(69 * SEC)); // watermark 59s
    await driver.pipe('events', event(70 * SEC)); // watermark 60s: alarm fires first
    expect(driver.values(sink)).toEqual([
      'record session_start @0s #1',
      'record page_view @69s #2',
      'event-time alarm @60s (watermark 60s)',
      'record page_view @70s #3',
    ]);
  });

  it('fires an event-time timer set behind the watermark when the watermark next moves, not at once', async () => {
    const behind = processor<Event, string, never>({
      name: 'behind',
      process(e, ctx) {
        ctx.emit(`record ${e.event_type} @${(ctx.timestamp - T0) / SEC}s`);
        if (e.event_type === 'click') ctx.timers.setEventTime('behind', ctx.watermark - 10 * SEC);
      },
      onTimer(timer, ctx) {
        ctx.emit(`timer @${(timer.time - T0) / SEC}s (watermark ${(ctx.watermark - T0) / SEC}s)`);
      },
    });
    const app = streams({ applicationId: 'behind' });
    const sink = memorySink<string>();
    app.source('events', sourceOptions).withWatermark('0s').groupByKey().process(behind).to(sink);
    const driver = await TopologyTestDriver.create(app);
    await driver.pipe('events', event(100 * SEC, { event_type: 'click' })); // a timer at 90s, the watermark at 100s
    await driver.pipe('events', event(100 * SEC)); // the watermark stays
    await driver.pipe('events', event(101 * SEC)); // it moves: the timer fires first
    expect(driver.values(sink)).toEqual(['record click @100s', 'record page_view @100s', 'timer @90s (watermark 101s)', 'record page_view @101s']);
  });

  it('moves a timer set again under the same name, and forgets a cancelled one', async () => {
    const { app, sink } = tracerApp('0s');
    const driver = await TopologyTestDriver.create(app);
    await driver.pipe('events', event(0, { event_type: 'session_start' })); // alarm 60s
    await driver.pipe('events', event(30 * SEC, { event_type: 'session_start' })); // alarm moves to 90s
    await driver.pipe('events', event(80 * SEC));
    await driver.pipe('events', event(85 * SEC, { event_type: 'session_end' })); // cancelled
    await driver.pipe('events', event(200 * SEC));
    expect(driver.values(sink).filter((s) => s.startsWith('event-time'))).toEqual([]);
  });

  it('fires processing-time timers from the wall clock only', async () => {
    const { app, sink } = tracerApp('0s');
    const driver = await TopologyTestDriver.create(app, { wallClockStart: 1_000_000 });
    await driver.pipe('events', event(0, { event_type: 'click' })); // poke at wall 1_010_000
    await driver.pipe('events', event(10 * MIN)); // event time does not fire it
    await driver.advanceWallClock('9s');
    expect(driver.values(sink).some((s) => s.startsWith('processing-time'))).toBe(false);
    await driver.advanceWallClock('1s');
    expect(driver.values(sink).filter((s) => s.startsWith('processing-time'))).toHaveLength(1);
  });

  it('keeps records before the watermark from the processor and routes them to late(); one at the watermark is processed', async () => {
    const { app, sink, late } = tracerApp('10s');
    const driver = await TopologyTestDriver.create(app);
    await driver.pipe('events', event(60 * SEC)); // watermark 50s
    await driver.pipe('events', event(50 * SEC - 1, { event_type: 'click' })); // before the watermark: late
    await driver.pipe('events', event(50 * SEC)); // at it: processed
    await driver.pipe('events', event(51 * SEC)); // after it: processed
    expect(driver.values(sink)).toEqual(['record page_view @60s #1', 'record page_view @50s #2', 'record page_view @51s #3']);
    expect(driver.values(late).map((e) => e.event_type)).toEqual(['click']);
    expect(driver.metrics().late).toEqual({ tracer: 1 });
  });

  it('keeps state and timers per key', async () => {
    const { app, sink } = tracerApp('0s');
    const driver = await TopologyTestDriver.create(app);
    await driver.pipe('events', event(0, { user_id: 'a', event_type: 'session_start' }));
    await driver.pipe('events', event(1 * SEC, { user_id: 'b', event_type: 'session_start' }));
    await driver.pipe('events', event(2 * SEC, { user_id: 'a' }));
    await driver.pipe('events', event(2 * MIN, { user_id: 'c' }));
    expect(driver.values(sink)).toEqual([
      'record session_start @0s #1',
      'record session_start @1s #1',
      'record page_view @2s #2',
      'event-time alarm @60s (watermark 120s)',
      'event-time alarm @61s (watermark 120s)',
      'record page_view @120s #1',
    ]);
  });

  it('emitLatest sends, at each commit, the last value per key and id', async () => {
    const latest = processor<Event, string, never>({
      process(e, ctx) {
        ctx.emitLatest(e.page_url, `${ctx.key}${e.page_url} @${(ctx.timestamp - T0) / SEC}s`);
      },
    });
    const app = streams({ applicationId: 'latest' });
    const sink = memorySink<string>();
    app.source('events', sourceOptions).groupByKey().process(latest).to(sink);
    const driver = await TopologyTestDriver.create(app, { commit: 'manual' });
    await driver.pipe('events', event(1 * SEC, { user_id: 'a', page_url: '/x' }));
    await driver.pipe('events', event(2 * SEC, { user_id: 'b', page_url: '/x' }));
    await driver.pipe('events', event(3 * SEC, { user_id: 'a', page_url: '/y' }));
    await driver.pipe('events', event(4 * SEC, { user_id: 'a', page_url: '/x' }));
    expect(driver.values(sink)).toEqual([]);
    await driver.commit();
    expect(driver.values(sink)).toEqual(['a/x @4s', 'a/y @3s', 'b/x @2s']);
    await driver.pipe('events', event(5 * SEC, { user_id: 'b', page_url: '/x' }));
    await driver.commit();
    expect(driver.values(sink).slice(3)).toEqual(['b/x @5s']);
  });

  it('fires a timer pushed back many times once, at its last time, and restores it after a crash', async () => {
    const timeout = processor<Event, string, number>({
      process(_e, ctx) {
        ctx.timers.setEventTime('quiet', ctx.timestamp + MIN);
      },
      onTimer(timer, ctx) {
        ctx.emit(`${ctx.key} quiet since ${(timer.time - MIN - T0) / SEC}s`);
      },
    });
    const app = streams({ applicationId: 'postpone' });
    const sink = memorySink<string>();
    app.source('events', sourceOptions).groupByKey().process(timeout).to(sink);
    const driver = await TopologyTestDriver.create(app, { commit: 'manual' });
    for (let s = 0; s < 50; s++) await driver.pipe('events', event(s * SEC, { user_id: 'a' }));
    await driver.commit();
    await driver.pipe('events', event(60 * SEC, { user_id: 'b' })); // a's timer (49s + 1m) not due
    await driver.restart();
    await driver.pipe('events', event(200 * SEC, { user_id: 'c' }));
    await driver.commit();
    expect(driver.values(sink)).toEqual(['a quiet since 49s', 'b quiet since 60s']);
  });
});
