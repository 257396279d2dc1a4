import { memoryBackend, memorySink, processor, streams, VirtualClock, type RawRecord } from '../../src';
import { startEngine } from '../support/engine';
import { event, sourceOptions, type Event } from '../support/events';

// The runtime skips the commit of an engine with no uncommitted work. A processing-time timer
// that fires changes state (its own entry, and what onTimer does), though nothing may reach a
// sink: a processor with no sink below it forgets a user once a minute of wall clock passed.
// Left uncommitted, a crash would restore the user and fire the timer again.

const raw = (e: Event, offset: number): RawRecord => ({ topic: 'events', partition: 0, offset, key: Buffer.from(e.user_id), value: Buffer.from(JSON.stringify(e)) });

const forgetAfterAMinute = processor<Event, never, true>({
  name: 'forget',
  process(_e, ctx) {
    ctx.state.set(true);
    ctx.timers.setProcessingTime('forget', ctx.wallClockTime + 60_000);
  },
  onTimer(_t, ctx) {
    ctx.state.clear();
  },
});

it('a processing-time timer that fired is uncommitted work, with no sink below it', async () => {
  const app = streams({ applicationId: 'timer-only-commits' });
  const events = app.source('events', sourceOptions);
  events.to(memorySink());
  events.groupByKey().process(forgetAfterAMinute);
  const clock = new VirtualClock(1_000_000);
  const { engine } = await startEngine(app, memoryBackend(), clock);
  engine.process([raw(event(0, { user_id: 'u1' }), 0)]);
  await engine.commit();
  engine.tick();
  expect(engine.hasUncommittedWork()).toBe(false);

  clock.advance(60_000);
  engine.tick();
  expect(engine.hasUncommittedWork()).toBe(true);
  await engine.commit();
  engine.tick();
  expect(engine.hasUncommittedWork()).toBe(false);
  await engine.close();
});
