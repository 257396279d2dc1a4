import { memorySink, processor, streams } from '../../src';
import { TopologyTestDriver } from '../../src/testing';
import { event, sourceOptions, type Event } from '../support/events';

// A branch that reaches no sink: a peek or a processor on it still runs (as in Kafka Streams,
// where neither needs a sink below it); a branch of pure transforms does nothing and is left out.

describe('a branch that reaches no sink', () => {
  it('still runs its peek', async () => {
    const app = streams({ applicationId: 'dangling-peek' });
    const events = app.source('e', sourceOptions);
    const seen: string[] = [];
    events.peek((e) => seen.push(e.user_id), { name: 'log-events' });
    const sink = memorySink<Event>();
    events.to(sink);
    expect(app.describe()).toContain('log-events [peek]');
    const driver = await TopologyTestDriver.create(app);
    await driver.pipe('e', event(0, { user_id: 'u1' }));
    await driver.pipe('e', event(1, { user_id: 'u2' }));
    expect(seen).toEqual(['u1', 'u2']);
    expect(driver.values(sink)).toHaveLength(2);
  });

  it('still runs its processor, state kept, even below a map that leads nowhere', async () => {
    const app = streams({ applicationId: 'dangling-process' });
    const events = app.source('e', sourceOptions);
    const counter = processor<Event, number, number>({ name: 'counter', process: (_e, ctx) => ctx.state.set((ctx.state.get() ?? 0) + 1) });
    events.groupByKey().process(counter).map((n) => n * 2);
    events.to(memorySink());
    expect(app.describe()).toContain('counter [process]');
    expect(app.describe()).not.toContain('[map]');
    const driver = await TopologyTestDriver.create(app);
    await driver.pipe('e', event(0, { user_id: 'u1' }));
    await driver.pipe('e', event(1, { user_id: 'u1' }));
    await driver.pipe('e', event(2, { user_id: 'u2' }));
    expect(await driver.storeEntries('counter-store')).toEqual([
      ['u1', 2],
      ['u2', 1],
    ]);
  });

  it('is left out when it only transforms records', async () => {
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

it('refuses an app in which nothing runs, naming what would', () => {
  const app = streams({ applicationId: 'nothing-runs' });
  app.source('e', sourceOptions).map((e) => e.user_id);
  expect(() => app.topology()).toThrow('nothing in the topology runs: it has no sink, peek or processor; call .to(sink) on a stream');
});
