import { count, memorySink, streams, tumbling, type InMemoryKeyValueStore, type StoreFactory, inMemoryStores } from '../../src';
import { TopologyTestDriver } from '../../src/testing';
import { event, sourceOptions } from '../support/events';

describe('the DSL', () => {
  it('is immutable: branching from a variable leaves it unchanged', async () => {
    const app = streams({ applicationId: 'branches' });
    const all = memorySink<unknown>();
    const views = memorySink<unknown>();
    const clicks = memorySink<unknown>();
    const events = app.source('e', sourceOptions);
    const pageViews = events.filter((e) => e.event_type === 'page_view');
    events.filter((e) => e.event_type === 'click').to(clicks); // does not narrow `events` nor `pageViews`
    pageViews.to(views);
    events.to(all);
    const driver = await TopologyTestDriver.create(app);
    await driver.pipe('e', event(0, { event_type: 'page_view' }));
    await driver.pipe('e', event(0, { event_type: 'click' }));
    expect([driver.values(all).length, driver.values(views).length, driver.values(clicks).length]).toEqual([2, 1, 1]);
  });

  it('names nodes and stores deterministically, and takes names from the user', () => {
    const build = () => {
      const app = streams({ applicationId: 'names' });
      const events = app.source('e', sourceOptions).withWatermark('1m');
      events.groupBy((e) => e.page_url, { name: 'by-page' }).window(tumbling('1m')).aggregate(count()).to(memorySink());
      events.filter(() => true).to(memorySink(), { name: 'everything' });
      return app.describe();
    };
    expect(build()).toBe(build());
    expect(build()).toContain('by-page [groupBy] new key');
    expect(build()).toContain('windowAggregate-1 [windowAggregate] tumbling 1m, count, emit update, store windowAggregate-1-store');
    expect(build()).toContain('everything [sink] → memory memory');
  });

  it('rejects two nodes with one name, a topic read twice, and an app with no sink', () => {
    const app = streams({ applicationId: 'dupes' });
    const events = app.source('e', sourceOptions);
    events.to(memorySink(), { name: 'out' });
    events.to(memorySink(), { name: 'out' });
    expect(() => app.topology()).toThrow(/two nodes are named 'out'/);

    const twice = streams({ applicationId: 'twice' });
    const raw = twice.source('e', sourceOptions);
    raw.to(memorySink());
    raw.withWatermark('1m').to(memorySink());
    expect(() => twice.topology()).toThrow(/read by two source streams/);

    expect(() => streams({ applicationId: 'empty' }).topology()).toThrow(/no sink/);
    expect(() => streams({ applicationId: 'bad id!' })).toThrow(/applicationId/);
  });

  it('uses a store implementation the user plugs in', async () => {
    const created: string[] = [];
    const counting: StoreFactory = {
      keyValue: (name, codec) => {
        created.push(`kv:${name}`);
        return inMemoryStores.keyValue(name, codec) as InMemoryKeyValueStore<never, never>;
      },
      window: (name, codec) => {
        created.push(`window:${name}`);
        return inMemoryStores.window(name, codec);
      },
    };
    const app = streams({ applicationId: 'plugged' });
    const sink = memorySink<unknown>();
    app.source('e', sourceOptions).groupByKey().window(tumbling('1m')).aggregate(count(), { store: counting, name: 'counts' }).to(sink);
    const driver = await TopologyTestDriver.create(app, { partitions: 2 });
    await driver.pipe('e', event(0));
    expect(created).toEqual(['window:counts-store', 'window:counts-store']); // one per task
    expect(await driver.storeEntries('counts-store')).toEqual([[[Date.UTC(2024, 0, 1, 12), 'u1'], 1]]);
  });
});
