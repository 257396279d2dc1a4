import { memorySink, processor, streams } from '../../src';
import { TopologyTestDriver } from '../../src/testing';
import { event, sourceOptions, type Event } from '../support/events';

// A timer's time is saved as JSON, which writes Infinity and NaN as null: a timer set to Infinity
// ("never") came back from a restart due at the first watermark, and fired. It is refused when set.

const timerAt = (time: number, setter: 'setEventTime' | 'setProcessingTime') =>
  processor<Event, string>({
    name: 'timer-at',
    process(_e, ctx) {
      ctx.timers[setter]('later', time);
    },
    onTimer(timer, ctx) {
      ctx.emit(`${timer.name} fired`);
    },
  });

describe.each(['setEventTime', 'setProcessingTime'] as const)('%s', (setter) => {
  it.each([Infinity, -Infinity, NaN])('refuses a timer at %s, naming the processor and the timer', async (time) => {
    const app = streams({ applicationId: 'non-finite-timer' });
    app.source('events', sourceOptions).groupByKey().process(timerAt(time, setter), { name: 'waits' }).to(memorySink());
    const driver = await TopologyTestDriver.create(app);
    await expect(driver.pipe('events', event(0))).rejects.toThrow(
      `processor waits: timer 'later' set to ${String(time)}: a timer's time must be a finite number of milliseconds (cancel it instead)`,
    );
  });
});
