import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StoreFactory } from '@pipeline/streams';
import { sqliteStores } from '@pipeline/streams/sqlite';
import { TopologyTestDriver } from '@pipeline/streams/testing';
import type { ActivityEvent } from '../src/events';
import { naiveResults } from './naive-model';
import { ev, MIN, pipeline, SEC, T0 } from './support';

/** A seeded stream with sessions, abandoned sessions, out-of-order, late and malformed records. */
function scenario(seed: number, partitions: number) {
  let x = seed;
  const rand = () => ((x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const pages = ['/', '/cart', '/products/1', '/products/2', '/blog'];
  // Each event is generated at a nominal time; a few carry an earlier event time (out of order
  // within the 2-minute watermark, or far beyond it). Partitions hold events in nominal order.
  const generated: Array<{ partition: number; nominal: number; value: ActivityEvent }> = [];
  for (let u = 0; u < 12; u++) {
    const user = `user-${u}`;
    const partition = u % partitions;
    let t = Math.floor(rand() * 10 * MIN);
    const emit = (at: number, type: ActivityEvent['event_type'], page = '/', shift = 0) =>
      generated.push({ partition, nominal: at, value: ev(at - shift, user, type, page) });
    for (let s = 0; s < 3; s++) {
      emit(t, 'session_start');
      const views = 1 + Math.floor(rand() * 5);
      for (let i = 0; i < views; i++) {
        t += Math.floor(rand() * 90 * SEC);
        const shift = rand() < 0.15 ? (rand() < 0.5 ? 60 * SEC : 5 * MIN) : 0;
        emit(t, rand() < 0.7 ? 'page_view' : 'click', pages[Math.floor(rand() * pages.length)], shift);
      }
      t += Math.floor(rand() * 60 * SEC);
      if (rand() < 0.8) emit(t, 'session_end');
      t += Math.floor(rand() * 40 * MIN); // sometimes longer than the timeout
    }
  }
  generated.sort((a, b) => a.nominal - b.nominal);
  const perPartition: ActivityEvent[][] = Array.from({ length: partitions }, (_, p) => generated.filter((g) => g.partition === p).map((g) => g.value));
  const order: Array<{ partition: number; value: unknown }> = generated.map((g) => ({ partition: g.partition, value: g.value }));
  // Malformed records on partition 0.
  order.splice(5, 0, { partition: 0, value: '{"event_time": "2024-01-01T12:00:00Z", "user_id": 7}' });
  order.splice(20, 0, { partition: 0, value: 'garbage' });
  return { perPartition, order };
}

const spillDirs: string[] = [];
afterAll(() => {
  for (const dir of spillDirs) rmSync(dir, { recursive: true, force: true });
});

/** SESSION_STORE=sqlite with 2 users a partition in memory: the scenario's 12 users mostly live in the file. */
function spillingSessionStore(): StoreFactory {
  const dir = mkdtempSync(join(tmpdir(), 'pipeline-test-spill-'));
  spillDirs.push(dir);
  return sqliteStores({ dir, cacheEntries: 2 });
}

describe.each([
  ['in memory', (): StoreFactory | undefined => undefined],
  ['spilling to SQLite', spillingSessionStore],
])('the activity pipeline under the test driver, sessions %s', (_name, sessionStore) => {
  it.each([1, 3, 4, 5, 6])('produces exactly the tables of a naive batch computation (seed %i, 3 partitions)', async (seed) => {
    const { perPartition, order } = scenario(seed, 3);
    const store = sessionStore();
    const { app, sinks } = pipeline({ now: () => T0, ...(store ? { sessionStore: store } : {}) });
    const driver = await TopologyTestDriver.create(app, { partitions: 3, commit: 'manual' });
    for (const [i, { partition, value }] of order.entries()) {
      await driver.pipe('user_activity', value, { partition });
      if (i % 7 === 0) await driver.commit();
    }
    await driver.commit();

    const expected = naiveResults(perPartition, 2 * MIN, 30 * MIN);
    const table = <T, K>(records: T[], key: (r: T) => K) => new Map(records.map((r) => [key(r), r]));
    const pageViews = table(driver.values(sinks.pageViews), (r) => `${r.key}|${r.windowStart}`);
    expect(new Map([...pageViews].map(([k, r]) => [k, r.value]))).toEqual(expected.pageViews);
    const activeUsers = table(driver.values(sinks.activeUsers), (r) => r.windowStart);
    expect(new Map([...activeUsers].map(([k, r]) => [k, r.value]))).toEqual(expected.activeUsers);
    const sessions = table(driver.values(sinks.sessions), (r) => `${r.user_id}|${r.session_start}`);
    expect(new Map([...sessions].map(([k, r]) => [k, { status: r.status, end: r.session_end, count: r.event_count, last: r.last_event_time }]))).toEqual(expected.sessions);
    expect(driver.metrics().late).toEqual(
      Object.fromEntries(
        Object.entries({ 'page-view-counts': expected.late.pageViews, 'active-users': expected.late.activeUsers, 'session-tracker': expected.late.sessions }).filter(([, n]) => n > 0),
      ),
    );

    const valid = perPartition.flat();
    expect(driver.values(sinks.lake)).toHaveLength(valid.length);
    expect(driver.values(sinks.lake).map((e) => JSON.stringify(e)).sort()).toEqual(valid.map((e) => JSON.stringify(e)).sort());
    expect(driver.values(sinks.enriched).map(({ processing_time, ...e }) => (expect(processing_time).toBe(new Date(T0).toISOString()), JSON.stringify(e))).sort()).toEqual(
      valid.map((e) => JSON.stringify(e)).sort(),
    );
    expect(driver.values(sinks.deadLetters).map((d) => d.reason)).toEqual([expect.stringMatching(/^schema: /), expect.stringMatching(/^not JSON/)]);
    // Something of every kind happened, or the test proves little.
    expect(expected.late.pageViews).toBeGreaterThan(0);
    expect([...expected.sessions.values()].map((s) => s.status)).toEqual(expect.arrayContaining(['ended', 'timed_out', 'open']));
    await driver.close();
  });
});

describe('the activity pipeline under the test driver', () => {
  it('describes its topology with stable names', async () => {
    const { app } = pipeline();
    expect(app.describe()).toMatchSnapshot();
  });
});
