import { count, memoryBackend, memorySink, processor, streams, tumbling, VirtualClock, type WindowResult } from '../../src';
import { startEngine } from '../support/engine';
import { event, MIN, SEC, sourceOptions, T0 } from '../support/events';

// A keyed processor below window results, in a re-keyed task, with event-time timers: the order in
// which it sees the results and its timers must not depend on how the input was batched. A
// re-keyed task's watermark moves before each re-keyed record and at the end of each batch, so a
// record that never reaches the groupBy (filtered out) moves it at a batch's end, or not until the
// next re-keyed record: one advance or two.

/** Adds up the window results of its key; a timer 90 s after each window's start reports the total so far. */
const runningTotal = processor<WindowResult<string, number>, string, number>({
  name: 'running-total',
  process(r, ctx) {
    ctx.state.set((ctx.state.get() ?? 0) + r.value);
    ctx.timers.setEventTime(`after ${(r.windowStart - T0) / SEC}s`, r.windowStart + 90 * SEC);
  },
  onTimer(timer, ctx) {
    ctx.emit(`${(timer.time - T0) / SEC}s: total ${ctx.state.get()}`);
  },
});

function totalsApp() {
  const app = streams({ applicationId: 'timers-below-windows' });
  const sink = memorySink<string>();
  app
    .source('events', sourceOptions)
    .filter((e) => e.event_type === 'page_view')
    .groupBy((e) => e.page_url)
    .window(tumbling('1m'))
    .aggregate(count(), { emit: 'final' })
    .groupByKey()
    .process(runningTotal)
    .to(sink);
  return { app, sink };
}

async function run(batches: number[]) {
  const { app, sink } = totalsApp();
  const { engine } = await startEngine(app, memoryBackend(), new VirtualClock(0));
  const input = [event(0), event(70 * SEC), event(100 * SEC, { event_type: 'click' }), event(5 * MIN)];
  let offset = 0;
  for (const size of batches) {
    const batch = input.slice(offset, offset + size);
    engine.process(batch.map((e) => ({ topic: 'events', partition: 0, offset: offset++, key: null, value: Buffer.from(JSON.stringify(e)) })));
  }
  await engine.committed(await engine.commit());
  return sink.values();
}

describe('a keyed processor below window results, with event-time timers', () => {
  it('sees the results and its timers in event-time order, however the input was batched', async () => {
    // [0, 1m) closes at 70s (timer at 90s), [1m, 2m) at 5m (timer at 150s); the click moves the
    // watermark to 100s, past the first timer, before the second window closes.
    const expected = ['90s: total 1', '150s: total 2'];
    expect(await run([1, 1, 1, 1])).toEqual(expected);
    expect(await run([4])).toEqual(expected);
  });
});
