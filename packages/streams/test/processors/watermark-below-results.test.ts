import { count, memorySink, processor, streams, tumbling, type WindowResult } from '../../src';
import { TopologyTestDriver } from '../../src/testing';
import { event, MIN, SEC, sourceOptions, T0 } from '../support/events';

// A processor below window results: results of one advance carry the watermark each window closed
// at, below the task's. What the processor sees must keep the ProcessorContext's promises:
// `ctx.watermark` is one by which every event-time timer has fired except those set since it last
// moved, and a timer set behind the watermark from `process` fires when the watermark next moves.

const min = (t: number) => `${(t - T0) / MIN}m`;
const sec = (t: number) => `${(t - T0) / SEC}s`;

async function trace(p: ReturnType<typeof processor<WindowResult<string, number>, string, never>>, times: number[], users: string[]) {
  const app = streams({ applicationId: `watermark-below-${p.name}` });
  const sink = memorySink<string>();
  app.source('events', sourceOptions).groupByKey().window(tumbling('1m')).aggregate(count(), { emit: 'final' }).groupByKey().process(p).to(sink);
  const driver = await TopologyTestDriver.create(app, { partitions: 1 });
  for (const [i, t] of times.entries()) await driver.pipe('events', event(t, { user_id: users[i]! }));
  return driver.values(sink);
}

describe('a processor below window results', () => {
  it("shows as ctx.watermark the watermark a result carries, with every timer at or before it fired", async () => {
    const p = processor<WindowResult<string, number>, string, never>({
      name: 'shows-watermark',
      process(r, ctx) {
        ctx.emit(`result [${min(r.windowStart)}) at watermark ${sec(ctx.watermark)}, timer ${ctx.timers.get('t') === undefined ? 'none' : min(ctx.timers.get('t')!)}`);
        if (r.windowStart === T0) ctx.timers.setEventTime('t', T0 + 5 * MIN);
      },
      onTimer(t, ctx) {
        ctx.emit(`timer ${min(t.time)} at watermark ${sec(ctx.watermark)}`);
      },
    });
    // [0,1m) closes at 1m and sets the timer at 5m; the event at 10m closes [1m,2m) (carried 2m - 1 ms), then the timer.
    expect(await trace(p, [0, 1 * MIN + 1, 10 * MIN], ['u1', 'u1', 'u1'])).toEqual([
      'result [0m) at watermark 59.999s, timer none',
      'result [1m) at watermark 119.999s, timer 5m',
      'timer 5m at watermark 600s',
    ]);
  });

  it('fires a timer set behind the watermark from process before the next result that carries a watermark past it', async () => {
    const p = processor<WindowResult<string, number>, string, never>({
      name: 'behind',
      process(r, ctx) {
        ctx.emit(`result ${r.key} [${min(r.windowStart)})`);
        if (r.key === 'a') ctx.timers.setEventTime('behind', T0 + 10 * SEC);
      },
      onTimer(t, ctx) {
        ctx.emit(`timer ${String(ctx.key)} ${sec(t.time)}`);
      },
    });
    // The event at 5m closes [0,1m): results a and b carry its last open watermark (59.999s), past the timer.
    expect(await trace(p, [0, 1 * SEC, 5 * MIN], ['a', 'b', 'c'])).toEqual(['result a [0m)', 'timer a 10s', 'result b [0m)']);
  });

  it('fires its timers among the results in the same order after a restart as live (no state decides it)', async () => {
    // A timer set at the watermark by an update-mode result at a commit; the window's closing
    // result later carries that same watermark.
    const p = processor<WindowResult<string, number>, string, boolean>({
      name: 'restart-order',
      process(r, ctx) {
        if (ctx.state.get() === undefined) {
          ctx.state.set(true);
          ctx.timers.setEventTime('t', ctx.watermark);
        }
        ctx.emit(`result [${min(r.windowStart)})=${r.value}`);
      },
      onTimer(_t, ctx) {
        ctx.emit('timer');
      },
    });
    const run = async (restart: boolean) => {
      const app = streams({ applicationId: 'watermark-below-restart' });
      const out = memorySink<string>();
      app.source('events', sourceOptions).withWatermark(0).groupByKey().window(tumbling('1m')).aggregate(count()).groupByKey().process(p).to(out);
      const driver = await TopologyTestDriver.create(app, { commit: 'manual' });
      await driver.pipe('events', event(59_999));
      await driver.commit();
      if (restart) await driver.restart();
      await driver.pipe('events', event(59_500));
      await driver.pipe('events', event(130_000)); // closes [0,1m): its result carries 59.999s
      await driver.commit();
      return driver.values(out);
    };
    const live = await run(false);
    expect(live).toEqual(['result [0m)=1', 'timer', 'result [0m)=2', 'result [2m)=1']);
    expect(await run(true)).toEqual(live);
  });
});
