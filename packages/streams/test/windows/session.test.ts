import { aggregator, count, memorySink, session, streams, type MergeableAggregator, type SinkRecord, type WindowResult } from '../../src';
import { TopologyTestDriver } from '../../src/testing';
import { event, MIN, sourceOptions, T0 } from '../support/events';

function sessionsApp(emit: 'update' | 'final') {
  const app = streams({ applicationId: `session-${emit}` });
  const sink = memorySink<WindowResult<string, number>>();
  app
    .source('events', sourceOptions)
    .withWatermark('1m')
    .groupByKey()
    .window(session('10m'))
    .aggregate(count(), { emit })
    .to(sink);
  return { app, sink };
}

const brief = (r: SinkRecord<WindowResult<string, number>>) =>
  `${r.retract ? '-' : '+'}${r.value.key}[${(r.value.windowStart - T0) / MIN},${(r.value.windowEnd - T0) / MIN}]=${r.value.value}`;

describe('session windows', () => {
  it('keeps records no more than the gap apart in one session, and starts a new one after', async () => {
    const { app, sink } = sessionsApp('final');
    const driver = await TopologyTestDriver.create(app);
    await driver.pipe('events', event(0));
    await driver.pipe('events', event(10 * MIN)); // exactly gap after: same session
    await driver.pipe('events', event(20 * MIN + 1)); // more than gap after: new session
    await driver.pipe('events', event(60 * MIN)); // watermark 59m: both close (20m+1 + 10m <= 59m)
    expect(driver.output(sink).map(brief)).toEqual(['+u1[0,10]=2', '+u1[20.000016666666667,20.000016666666667]=1']);
  });

  it('merges two sessions that a record bridges, retracting the merged-away one in update mode', async () => {
    const { app, sink } = sessionsApp('update');
    const driver = await TopologyTestDriver.create(app);
    await driver.pipe('events', event(0));
    await driver.pipe('events', event(15 * MIN)); // second session (15m > gap)
    await driver.pipe('events', event(8 * MIN)); // within 10m of both: bridges them (watermark is 14m? no: 15m - 1m = 14m > 8m → late)
    expect(driver.output(sink).map(brief)).toEqual(['+u1[0,0]=1', '+u1[15,15]=1']);
    expect(driver.metrics().late['sessionAggregate-1']).toBe(1);
  });

  it('merges sessions bridged by an out-of-order record inside the watermark', async () => {
    const app = streams({ applicationId: 'session-merge' });
    const sink = memorySink<WindowResult<string, number>>();
    app.source('events', sourceOptions).withWatermark('20m').groupByKey().window(session('10m')).aggregate(count()).to(sink);
    const driver = await TopologyTestDriver.create(app);
    await driver.pipe('events', event(0));
    await driver.pipe('events', event(15 * MIN));
    await driver.pipe('events', event(8 * MIN)); // watermark -5m: not late; bridges [0,0] and [15,15]
    expect(driver.output(sink).map(brief)).toEqual(['+u1[0,0]=1', '+u1[15,15]=1', '-u1[15,15]=1', '+u1[0,15]=3']);
  });

  it('retracts a session whose start moves earlier', async () => {
    const app = streams({ applicationId: 'session-start-moves' });
    const sink = memorySink<WindowResult<string, number>>();
    app.source('events', sourceOptions).withWatermark('20m').groupByKey().window(session('10m')).aggregate(count()).to(sink);
    const driver = await TopologyTestDriver.create(app);
    await driver.pipe('events', event(10 * MIN));
    await driver.pipe('events', event(5 * MIN));
    expect(driver.output(sink).map(brief)).toEqual(['+u1[10,10]=1', '-u1[10,10]=1', '+u1[5,10]=2']);
  });

  it('emits merged sessions once, without retractions, in final mode', async () => {
    const app = streams({ applicationId: 'session-final-merge' });
    const sink = memorySink<WindowResult<string, number>>();
    app.source('events', sourceOptions).withWatermark('20m').groupByKey().window(session('10m')).aggregate(count(), { emit: 'final' }).to(sink);
    const driver = await TopologyTestDriver.create(app);
    for (const m of [0, 15, 8]) await driver.pipe('events', event(m * MIN));
    await driver.pipe('events', event(45 * MIN)); // watermark 25m = 15m + gap: a record at 25m could still join
    expect(driver.output(sink)).toEqual([]);
    await driver.pipe('events', event(45 * MIN + 1)); // watermark past 15m + gap: closes [0,15]
    expect(driver.output(sink).map(brief)).toEqual(['+u1[0,15]=3']);
  });

  describe('with no watermark delay (the default)', () => {
    const noDelayApp = () => {
      const app = streams({ applicationId: 'session-no-delay' });
      const sink = memorySink<WindowResult<string, number>>();
      app.source('events', sourceOptions).groupByKey().window(session('10m')).aggregate(count(), { emit: 'final' }).to(sink);
      return { app, sink };
    };

    it('counts two records of the same millisecond', async () => {
      const { app, sink } = noDelayApp();
      const driver = await TopologyTestDriver.create(app);
      await driver.pipe('events', event(MIN));
      await driver.pipe('events', event(MIN)); // at the watermark, not before it: on time
      await driver.pipe('events', event(60 * MIN)); // closes [1,1]
      expect(driver.output(sink).map(brief)).toEqual(['+u1[1,1]=2']);
      expect(driver.metrics().late).toEqual({});
    });

    it('keeps a record exactly the gap after the last in its session', async () => {
      const { app, sink } = noDelayApp();
      const driver = await TopologyTestDriver.create(app);
      await driver.pipe('events', event(0));
      // Moves the watermark to 10m = 0 + gap, which does not close [0,0]: this record joins it.
      await driver.pipe('events', event(10 * MIN));
      await driver.pipe('events', event(20 * MIN + 1)); // more than the gap after: a new session, and [0,10] closes
      expect(driver.output(sink).map(brief)).toEqual(['+u1[0,10]=2']);
    });
  });

  it('keeps sessions of different keys apart', async () => {
    const { app, sink } = sessionsApp('final');
    const driver = await TopologyTestDriver.create(app, { partitions: 1 });
    await driver.pipe('events', event(0, { user_id: 'a' }));
    await driver.pipe('events', event(MIN, { user_id: 'b' }));
    await driver.pipe('events', event(2 * MIN, { user_id: 'a' }));
    await driver.pipe('events', event(30 * MIN, { user_id: 'c' }));
    expect(driver.output(sink).map(brief)).toEqual(['+b[1,1]=1', '+a[0,2]=2']);
  });

  it('refuses, when it is built, an aggregator without merge (a JavaScript caller, or a cast)', () => {
    const app = streams({ applicationId: 'session-no-merge' });
    const tally = aggregator({ name: 'tally', init: () => 0, add: (n: number) => n + 1, result: (n: number) => n });
    const windowed = app.source('events', sourceOptions).groupByKey().window(session('10m'));
    expect(() => windowed.aggregate(tally as unknown as MergeableAggregator<unknown, number, number>)).toThrow(
      "session windows merge sessions: the aggregator 'tally' given to aggregate() has no merge(a, b)",
    );
  });
});
