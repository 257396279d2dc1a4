import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  approxCountDistinct,
  count,
  countDistinct,
  hopping,
  inMemoryStores,
  localBackend,
  memoryBackend,
  memorySink,
  streams,
  tumbling,
  type StateBackend,
  type StreamsApp,
} from '../../src';
import { TopologyTestDriver } from '../../src/testing';
import { recordingLogger } from '../connectors/postgres/scratch-db';
import { event, sourceOptions, type Event } from '../support/events';

// Unnamed operators are numbered per kind in creation order, and sub-topologies in the order of
// their re-keying operators. Version 1 of an app counts page views per URL in 1-minute windows
// (windowAggregate-1, in sub-topology 1). A version 2 that declares another aggregation first
// gives that one the name windowAggregate-1 and its store, or its sub-topology the number 1:
// restored, an operator read another's entries as its own (1-minute counts as 5-minute windows),
// or started empty, and sent wrong results without an error.

type Version = (app: StreamsApp) => void;
const source = (app: StreamsApp) => app.source('events', sourceOptions).withWatermark('2m');
const byPage = (app: StreamsApp) => source(app).groupBy((e: Event) => e.page_url);
const named = (name: string | undefined) => (name === undefined ? {} : { name });

const v1: Version = (app) => void byPage(app).window(tumbling('1m')).aggregate(count()).to(memorySink());
/** Adds 5-minute counts per page, declared before the 1-minute ones: the same re-keying, another store. */
const v2FiveMinutesFirst =
  (names: { five?: string; one?: string } = {}): Version =>
  (app) => {
    const pages = byPage(app);
    pages.window(tumbling('5m')).aggregate(count(), named(names.five)).to(memorySink());
    pages.window(tumbling('1m')).aggregate(count(), named(names.one)).to(memorySink());
  };
/** Adds distinct users over all pages, re-keyed on their own and declared first: a new sub-topology 1. */
const v2ActiveUsersFirst: Version = (app) => {
  const events = source(app);
  events
    .groupBy(() => 'all')
    .window(hopping({ size: '5m', advance: '1m' }))
    .aggregate(countDistinct((e: Event) => e.user_id), { name: 'active-users' })
    .to(memorySink());
  events
    .groupBy((e: Event) => e.page_url)
    .window(tumbling('1m'))
    .aggregate(count(), { name: 'windowAggregate-1' })
    .to(memorySink());
};

async function runVersion(version: Version, backend: StateBackend, logger = recordingLogger()) {
  const app = streams({ applicationId: 'upgrade' });
  version(app);
  return TopologyTestDriver.create(app, { backend, logger });
}

/** Version 1 counts two views of /a in the first minute, and commits. */
async function firstVersionCommitted(backend: StateBackend): Promise<void> {
  const driver = await runVersion(v1, backend);
  await driver.pipe('events', event(0, { page_url: '/a' }));
  await driver.pipe('events', event(10_000, { page_url: '/a' }));
  await driver.close();
}

describe('restoring state after the topology changed', () => {
  it('refuses to start when a store would be read by an operator of other windows or another aggregator, naming both and what to do', async () => {
    const backend = memoryBackend();
    await firstVersionCommitted(backend);
    await expect(runVersion(v2FiveMinutesFirst(), backend)).rejects.toThrow(
      "the state of 'upgrade' does not fit its topology any more: 'windowAggregate-1-store' holds the state of a windowAggregate tumbling 1m, count, " +
        'and is now the store of a windowAggregate tumbling 5m, count. Unnamed operators are named by kind',
    );
  });

  it('starts with the state carried over when each operator keeps its name', async () => {
    const backend = memoryBackend();
    await firstVersionCommitted(backend);
    const driver = await runVersion(v2FiveMinutesFirst({ five: 'five-minute-views', one: 'windowAggregate-1' }), backend);
    await driver.pipe('events', event(20_000, { page_url: '/a' }));
    expect(await driver.storeEntries('windowAggregate-1-store')).toEqual([[[Date.parse(event(0).event_time), '/a'], 3]]);
    expect(await driver.storeEntries('five-minute-views-store')).toEqual([[[Date.parse(event(0).event_time), '/a'], 1]]);
    await driver.close();
  });

  it('refuses to start when a store would be restored in another sub-topology than the one it was kept in', async () => {
    const backend = memoryBackend();
    await firstVersionCommitted(backend);
    await expect(runVersion(v2ActiveUsersFirst, backend)).rejects.toThrow(
      "the state of 'upgrade' is laid out for another topology: 'windowAggregate-1-store' holds the state of a windowAggregate tumbling 1m, count kept in sub-topology 1, " +
        'and now runs in sub-topology 2. State is kept by sub-topology',
    );
  });

  it('refuses to start when a re-keying operator removed from before another renumbers its sub-topology downwards', async () => {
    const backend = memoryBackend();
    // Version 1 (before): active users in sub-topology 1, page views in 2; version 2 keeps only page views, now in 1.
    const before = await runVersion(v2ActiveUsersFirst, backend);
    await before.pipe('events', event(0, { page_url: '/a' }));
    await before.close();
    const onlyPageViews: Version = (app) =>
      void byPage(app).window(tumbling('1m')).aggregate(count(), { name: 'windowAggregate-1' }).to(memorySink());
    // Before: it started, page views from nothing (their state is kept under task 2_0, no longer read).
    await expect(runVersion(onlyPageViews, backend)).rejects.toThrow(
      "the state of 'upgrade' is laid out for another topology: 'windowAggregate-1-store' holds the state of a windowAggregate tumbling 1m, count kept in sub-topology 2, and now runs in sub-topology 1.",
    );
  });

  it('carries state over what does not change how it reads: the emit mode, the watermark', async () => {
    const backend = memoryBackend();
    await firstVersionCommitted(backend);
    const driver = await runVersion((app) => {
      app
        .source('events', sourceOptions)
        .withWatermark('5m')
        .groupBy((e: Event) => e.page_url)
        .window(tumbling('1m'))
        .aggregate(count(), { emit: 'final' })
        .to(memorySink());
    }, backend);
    expect(await driver.storeEntries('windowAggregate-1-store')).toEqual([[[Date.parse(event(0).event_time), '/a'], 2]]);
    await driver.close();
  });

  it('keeps, with a warning, the state of a store the topology no longer has, and checks a later operator of its name against it', async () => {
    const backend = memoryBackend();
    await firstVersionCommitted(backend);
    const logger = recordingLogger();
    const driver = await runVersion((app) => {
      byPage(app).window(tumbling('1m')).aggregate(count(), { name: 'renamed' }).to(memorySink());
    }, backend, logger);
    await driver.pipe('events', event(20_000, { page_url: '/a' })); // a commit of this version
    await driver.close();
    expect(logger.lines.filter((l) => l.level === 'warn')).toEqual([
      { level: 'warn', message: 'the state of a store the topology no longer has is kept, unused', fields: { store: 'windowAggregate-1-store', held: 'windowAggregate tumbling 1m, count' } },
    ]);
    // The backend still holds its entries. Before: a third version whose new operator took the
    // name read them as its own (5-minute counts made of the 1-minute ones), unchecked.
    await expect(runVersion(v2FiveMinutesFirst({ one: 'renamed' }), backend)).rejects.toThrow(
      "'windowAggregate-1-store' holds the state of a windowAggregate tumbling 1m, count (of an earlier version, unused since), and is now the store of a windowAggregate tumbling 5m, count",
    );
  });

  it('refuses a change of what an aggregator stores under the same name: the precision of approxCountDistinct, countDistinct given stores of its own', async () => {
    const distinct =
      (options: { precision?: number; store?: boolean }): Version =>
      (app) => {
        const windows = source(app)
          .groupBy(() => 'all')
          .window(tumbling('1m'));
        const settings = { name: 'users', ...(options.store === true ? { store: inMemoryStores } : {}) };
        if (options.precision === undefined) windows.aggregate(countDistinct((e: Event) => e.user_id), settings).to(memorySink());
        else windows.aggregate(approxCountDistinct((e: Event) => e.user_id, { precision: options.precision }), settings).to(memorySink());
      };
    const committed = async (version: Version) => {
      const backend = memoryBackend();
      const driver = await runVersion(version, backend);
      await driver.pipe('events', event(0, { user_id: 'u1' }));
      await driver.close();
      return backend;
    };
    await expect(runVersion(distinct({ precision: 10 }), await committed(distinct({ precision: 14 })))).rejects.toThrow(
      "'users-store' holds the state of a windowAggregate tumbling 1m, approxCountDistinct(precision 14), and is now the store of a windowAggregate tumbling 1m, approxCountDistinct(precision 10)",
    );
    await expect(runVersion(distinct({ store: true }), await committed(distinct({})))).rejects.toThrow(
      "'users-store' holds the state of a windowAggregate tumbling 1m, distinct values with their windows, and is now the store of a windowAggregate tumbling 1m, countDistinct",
    );
  });

  it('carries state over hopping windows that advance by their size, which are the tumbling ones', async () => {
    const backend = memoryBackend();
    await firstVersionCommitted(backend);
    const driver = await runVersion((app) => void byPage(app).window(hopping({ size: '1m', advance: '1m' })).aggregate(count()).to(memorySink()), backend);
    expect(await driver.storeEntries('windowAggregate-1-store')).toEqual([[[Date.parse(event(0).event_time), '/a'], 2]]);
    await driver.close();
  });

  it('checks state kept in local files the same way', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'store-layout-'));
    try {
      await firstVersionCommitted(localBackend({ dir }));
      await expect(runVersion(v2FiveMinutesFirst(), localBackend({ dir }))).rejects.toThrow(/'windowAggregate-1-store' holds the state of a windowAggregate tumbling 1m, count/);
      const driver = await runVersion(v2FiveMinutesFirst({ five: 'five-minute-views', one: 'windowAggregate-1' }), localBackend({ dir }));
      expect(await driver.storeEntries('windowAggregate-1-store')).toEqual([[[Date.parse(event(0).event_time), '/a'], 2]]);
      await driver.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
