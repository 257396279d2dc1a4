import { memorySink, processor, streams } from '../../src';
import { TopologyTestDriver } from '../../src/testing';
import { event, sourceOptions, type Event } from '../support/events';

// Only what leads to a sink runs. A peek or a processor on a branch without one would do nothing,
// silently (Kafka Streams runs them): declaring one is refused, naming it and what to do.

describe('a branch that reaches no sink', () => {
  it('is refused when it holds a peek', () => {
    const app = streams({ applicationId: 'dangling-peek' });
    const events = app.source('e', sourceOptions);
    events.peek(() => undefined, { name: 'log-events' });
    events.to(memorySink());
    expect(() => app.topology()).toThrow("peek 'log-events' leads to no sink, so it would never run: end its branch with .to(sink)");
  });

  it('is refused when it holds a processor, even below a map', () => {
    const app = streams({ applicationId: 'dangling-process' });
    const events = app.source('e', sourceOptions);
    const counter = processor<Event, number, number>({ name: 'counter', process: (_e, ctx) => ctx.state.set((ctx.state.get() ?? 0) + 1) });
    events.groupByKey().process(counter).map((n) => n * 2);
    events.to(memorySink());
    expect(() => app.describe()).toThrow(/^process 'counter' leads to no sink/);
  });

  it('is left out, as before, when it only transforms records', async () => {
    const app = streams({ applicationId: 'dangling-filter' });
    const events = app.source('e', sourceOptions);
    events.filter(() => true).map((e) => e.user_id);
    const sink = memorySink<Event>();
    events.to(sink);
    expect(app.describe()).not.toContain('[filter]');
    const driver = await TopologyTestDriver.create(app);
    await driver.pipe('e', event(0));
    expect(driver.values(sink)).toHaveLength(1);
  });
});
