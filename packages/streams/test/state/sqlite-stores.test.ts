import { existsSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import fc from 'fast-check';
import { count, InMemoryKeyValueStore, localBackend, memorySink, processor, session, streams, type Key, type StoreFactory, type WindowResult } from '../../src';
import { keyTimersCodec, TimerQueue, type KeyTimerSlots } from '../../src/operators/timer-queue';
import type { Json } from '../../src/util/json';
import { TopologyTestDriver } from '../../src/testing';
import { sqliteStores, SqliteKeyValueStore, SqliteTimerStore } from '../../src/state/sqlite';
import { orderedKeyBytes } from '../../src/state/sqlite/key-order';
import { SpillDatabase } from '../../src/state/sqlite/spill-database';
import { compareKeys } from '../../src/util/compare-keys';
import { event, MIN, SEC, sourceOptions, type Event } from '../support/events';

// Property tests: their length is bounded by numRuns. Jest's default 5 s per test was too short
// on a loaded CI machine (sqlite-stores' session test timed out there once, complete but slow).
jest.setTimeout(60_000);

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'streams-sqlite-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const jsonCodec = { encode: (v: { n: number }): Json => v, decode: (j: Json) => j as { n: number } };

/** What a state backend would hold after applying every `takeChanges` so far. */
function applied(into: Map<string, Json>, changes: Map<string, Json | null>): Map<string, Json> {
  for (const [k, v] of changes) {
    if (v === null) into.delete(k);
    else into.set(k, structuredClone(v));
  }
  return into;
}

describe('SqliteKeyValueStore', () => {
  it('keeps every key with only cacheEntries of them in memory, and reports each change once', () => {
    const db = new SpillDatabase(dir, 1);
    const store = new SqliteKeyValueStore<string, { n: number }>('s', jsonCodec, db, 2);
    const backend = new Map<string, Json>();
    for (let i = 0; i < 10; i++) store.put(`k${i}`, { n: i });
    expect(store.size).toBe(10);
    expect(store.cachedKeys).toBe(2);
    applied(backend, store.takeChanges());
    expect(backend).toEqual(new Map(Array.from({ length: 10 }, (_, i) => [`"k${i}"`, { n: i }])));
    expect(store.takeChanges()).toEqual(new Map()); // nothing changed since

    // Changed in place and put back, then pushed out of the cache: the file has the new value.
    const k3 = store.get('k3')!;
    k3.n = 33;
    store.put('k3', k3);
    for (let i = 0; i < 5; i++) store.get(`k${i + 5}`);
    expect(store.get('k3')).toEqual({ n: 33 });
    expect(store.get('k3')).not.toBe(k3); // read back from the file: a copy
    expect(store.delete('k4')).toBe(true);
    expect(store.delete('k4')).toBe(false);
    expect(store.delete('never')).toBe(false);
    for (let i = 0; i < 5; i++) store.get(`k${i + 5}`); // k4's deletion leaves the cache too
    expect(store.get('k4')).toBeUndefined();
    expect(store.size).toBe(9);
    expect(applied(backend, store.takeChanges())).toEqual(new Map([...store.encodedEntries()]));
    expect(backend.get('"k3"')).toEqual({ n: 33 });
    expect(backend.has('"k4"')).toBe(false);
    expect(new Map(store.entries()).get('k3')).toEqual({ n: 33 });
    expect([...store.entries()].map(([k]) => k)).toEqual(['k0', 'k1', 'k2', 'k3', 'k5', 'k6', 'k7', 'k8', 'k9']);
  });

  it('restores a checkpoint into the file, reads it a page at a time, and deletes the file with its last store', () => {
    const db = new SpillDatabase(dir, 1);
    const store = new SqliteKeyValueStore<number, { n: number }>('big', jsonCodec, db, 10);
    const other = new SqliteKeyValueStore<number, { n: number }>('other', jsonCodec, db, 10);
    store.restore(Array.from({ length: 2_500 }, (_, i) => [JSON.stringify(i), { n: i }] as const));
    expect(store.size).toBe(2_500);
    expect(store.cachedKeys).toBe(0);
    expect(store.get(1_234)).toEqual({ n: 1_234 });
    expect([...store.encodedEntries()]).toHaveLength(2_500);
    expect(store.takeChanges()).toEqual(new Map()); // restored entries are not changes
    expect(existsSync(db.path)).toBe(true);
    store.close();
    expect(existsSync(db.path)).toBe(true);
    other.close();
    expect(existsSync(db.path)).toBe(false);
    expect(db.closed).toBe(true);
  });

  it('agrees with the in-memory store on any sequence of reads, writes, deletes and commits', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('put' as const), key: fc.integer({ min: 0, max: 24 }), n: fc.integer() }),
      fc.record({ kind: fc.constant('delete' as const), key: fc.integer({ min: 0, max: 24 }) }),
      fc.record({ kind: fc.constant('get' as const), key: fc.integer({ min: 0, max: 24 }) }),
      fc.record({ kind: fc.constant('commit' as const) }),
    );
    fc.assert(
      // Caches up to 10 keys: from 6 on, their order of use is approximate (UseOrderedCache).
      fc.property(fc.integer({ min: 1, max: 10 }), fc.array(op, { maxLength: 120 }), (cacheEntries, ops) => {
        const db = new SpillDatabase(dir, 1);
        const disk = new SqliteKeyValueStore<number, { n: number }>('p', jsonCodec, db, cacheEntries);
        const memory = new InMemoryKeyValueStore<number, { n: number }>('p', jsonCodec);
        const [onDisk, inMemory] = [new Map<string, Json>(), new Map<string, Json>()];
        for (const o of ops) {
          if (o.kind === 'put') {
            disk.put(o.key, { n: o.n });
            memory.put(o.key, { n: o.n });
          } else if (o.kind === 'delete') {
            expect(disk.delete(o.key)).toBe(memory.delete(o.key));
          } else if (o.kind === 'get') {
            expect(disk.get(o.key)).toEqual(memory.get(o.key));
          } else {
            applied(onDisk, disk.takeChanges());
            applied(inMemory, memory.takeChanges());
            expect(onDisk).toEqual(inMemory);
          }
          expect(disk.size).toBe(memory.size);
        }
        expect(applied(onDisk, disk.takeChanges())).toEqual(applied(inMemory, memory.takeChanges()));
        expect(new Map(disk.encodedEntries())).toEqual(new Map(memory.encodedEntries()));
        disk.close();
      }),
      { numRuns: 150 },
    );
  });
});

describe('orderedKeyBytes', () => {
  it('orders keys as the in-memory timers do: null, numbers by value, strings by UTF-16 code unit', () => {
    const keys: Key[] = [null, -Infinity, -1e300, -2.5, -1, -0, 0, 1e-300, 1, 2, 10, 1e300, Infinity, '', 'a', 'a\u0000', 'ab', 'b', '\u00e9', '\uffff', '\ud83d\ude00', 'zz'];
    fc.assert(
      fc.property(fc.constantFrom(...keys), fc.oneof(fc.constantFrom(...keys), fc.string({ unit: 'binary' }), fc.double({ noNaN: true })), (a, b) => {
        const byBytes = Math.sign(Buffer.compare(orderedKeyBytes(a), orderedKeyBytes(b)));
        // -0 and 0 are one key (=== does not tell them apart): both compare as 0.
        expect(byBytes).toBe(Object.is(a, -0) && b === 0 ? 0 : Math.sign(compareKeys(a === 0 ? 0 : a, b === 0 ? 0 : b)));
      }),
      { numRuns: 500 },
    );
  });
});

describe('SqliteTimerStore', () => {
  type TimerOp =
    | { kind: 'set'; key: Key; name: string; time: number; type: 'event-time' | 'processing-time' }
    | { kind: 'cancel'; key: Key; name: string }
    | { kind: 'get'; key: Key; name: string }
    | { kind: 'fire'; type: 'event-time' | 'processing-time'; now: number; again: number }
    | { kind: 'commit' };
  const keyArb = fc.constantFrom<Key>(null, 1, 2, 3, 4, 5, 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i');
  const nameArb = fc.constantFrom('t', 'u');
  const typeArb = fc.constantFrom('event-time' as const, 'processing-time' as const);
  const opArb: fc.Arbitrary<TimerOp> = fc.oneof(
    { weight: 5, arbitrary: fc.record({ kind: fc.constant('set' as const), key: keyArb, name: nameArb, time: fc.integer({ min: 0, max: 40 }), type: typeArb }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('cancel' as const), key: keyArb, name: nameArb }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('get' as const), key: keyArb, name: nameArb }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('fire' as const), type: typeArb, now: fc.integer({ min: 0, max: 50 }), again: fc.integer({ min: 0, max: 10 }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('commit' as const) }) },
  );

  it('fires the same timers in the same order as the in-memory TimerQueue, and saves the same state, with any cache size', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10 }), fc.array(opArb, { maxLength: 120 }), (cacheEntries, ops) => {
        const db = new SpillDatabase(dir, 1);
        const disk = new SqliteTimerStore('timers', db, cacheEntries);
        const memory = new TimerQueue(new InMemoryKeyValueStore<Key, KeyTimerSlots>('timers', keyTimersCodec));
        const saved = { disk: new Map<string, Json>(), memory: new Map<string, Json>() };
        for (const o of ops) {
          if (o.kind === 'set') {
            disk.set(o.key, o);
            memory.set(o.key, o);
          } else if (o.kind === 'cancel') {
            disk.cancel(o.key, o.name);
            memory.cancel(o.key, o.name);
          } else if (o.kind === 'get') {
            expect(disk.get(o.key, o.name)).toEqual(memory.get(o.key, o.name));
          } else if (o.kind === 'fire') {
            // A timer that fires sets itself again a little later (when `again` > 0): set while firing.
            const run = (store: typeof disk | typeof memory) => {
              const out: string[] = [];
              store.fireDue(o.type, o.now, (key, t) => {
                out.push(`${String(key)}.${t.name}@${t.time}`);
                if (o.again > 0 && t.time < 45) store.set(key, { ...t, time: t.time + o.again });
              });
              return out;
            };
            expect(run(disk)).toEqual(run(memory));
          } else {
            expect(applied(saved.disk, disk.takeChanges())).toEqual(applied(saved.memory, memory.takeChanges()));
          }
        }
        expect(applied(saved.disk, disk.takeChanges())).toEqual(applied(saved.memory, memory.takeChanges()));
        expect(new Map(disk.encodedEntries())).toEqual(saved.memory);
        expect(disk.size).toBe(memory.size);
        disk.close();
      }),
      { numRuns: 300 },
    );
  });

  it('restores timers into the table and fires them in order from there', () => {
    const db = new SpillDatabase(dir, 1);
    const store = new SqliteTimerStore('timers', db, 2);
    const entries = Array.from({ length: 1_500 }, (_, i) => [JSON.stringify(`k${String(i).padStart(4, '0')}`), { t: { time: 3_000 - i, type: 'event-time' } }] as const);
    store.restore(entries);
    expect(store.size).toBe(1_500);
    expect(new Map(store.encodedEntries())).toEqual(new Map(entries));
    const fired: number[] = [];
    store.fireDue('event-time', 1_600, (_key, t) => fired.push(t.time));
    expect(fired).toEqual(Array.from({ length: 100 }, (_, i) => 1_501 + i));
    expect(store.size).toBe(1_400);
    expect(store.cachedKeys).toBeLessThanOrEqual(2);
    store.close();
  });
});

describe('sqliteStores in a topology', () => {
  /** A session-like processor: state per key, a timeout moved by each event, an explicit end, a processing-time poke. */
  const tracker = processor<Event, string, { start: number; count: number }>({
    name: 'tracker',
    process(e, ctx) {
      const s = ctx.state.get();
      if (e.event_type === 'session_end') {
        if (s) ctx.emitLatest(s.start, `${ctx.key} ended ${s.start}+${s.count}`);
        ctx.state.clear();
        ctx.timers.cancel('timeout');
        return;
      }
      const next = s ?? { start: ctx.timestamp, count: 0 };
      next.count++;
      ctx.state.set(next);
      ctx.timers.setEventTime('timeout', ctx.timestamp + 2 * MIN);
      if (e.event_type === 'click') ctx.timers.setProcessingTime('poke', ctx.wallClockTime + 10 * SEC);
      ctx.emitLatest(next.start, `${ctx.key} open ${next.start}+${next.count}`);
    },
    onTimer(timer, ctx) {
      const s = ctx.state.get();
      if (timer.type === 'processing-time') {
        ctx.emit(`${ctx.key} poked with ${s?.count ?? 0}`);
        return;
      }
      if (s) ctx.emit(`${ctx.key} timed out ${s.start}+${s.count} @${timer.time}`);
      ctx.state.clear();
    },
  });

  function app(store: StoreFactory | undefined) {
    const a = streams({ applicationId: 'sqlite-sessions' });
    const out = memorySink<string>();
    a.source('events', sourceOptions).withWatermark('30s').groupByKey().process(tracker, store ? { store } : {}).to(out);
    return { app: a, out };
  }

  const eventArb = fc.record({
    at: fc.integer({ min: 0, max: 20 * MIN }),
    user: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n'),
    type: fc.constantFrom('page_view' as const, 'page_view' as const, 'click' as const, 'session_end' as const),
    /** What the driver does after the event: 0 nothing, 1 commit, 2 crash and restart, 3 wall clock +5 s. */
    then: fc.constantFrom(0, 0, 0, 1, 2, 3),
  });

  async function run(store: StoreFactory | undefined, events: Array<{ at: number; user: string; type: Event['event_type']; then: number }>, stateDir: string) {
    const { app: a, out } = app(store);
    const driver = await TopologyTestDriver.create(a, { commit: 'manual', partitions: 2, backend: localBackend({ dir: stateDir }), wallClockStart: 0 });
    for (const e of events) {
      await driver.pipe('events', event(e.at, { user_id: e.user, event_type: e.type }));
      if (e.then === 1) await driver.commit();
      if (e.then === 2) await driver.restart();
      if (e.then === 3) await driver.advanceWallClock('5s');
    }
    await driver.pipe('events', event(60 * MIN, { user_id: 'a' }), { partition: 0 });
    await driver.pipe('events', event(60 * MIN, { user_id: 'b' }), { partition: 1 });
    await driver.commit();
    const metrics = driver.metrics().storeEntries;
    await driver.close();
    return { out: driver.values(out), metrics };
  }

  it('gives the in-memory stores\' exact results with keys spilling to disk, across commits and crashes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 8 }), fc.array(eventArb, { maxLength: 60 }), async (cacheEntries, events) => {
        const runDir = await mkdtemp(join(dir, 'run-'));
        const expected = await run(undefined, events, join(runDir, 'memory'));
        const actual = await run(sqliteStores({ dir: join(runDir, 'spill'), cacheEntries }), events, join(runDir, 'sqlite'));
        expect(actual.out).toEqual(expected.out);
        expect(actual.metrics).toEqual(expected.metrics);
      }),
      { numRuns: 60 },
    );
  });

  /** Session windows (the session-aggregate operator, its state in the given store), counting events per user. */
  function sessionWindowsApp(store: StoreFactory | undefined, emit: 'update' | 'final') {
    const a = streams({ applicationId: `sqlite-session-windows-${emit}` });
    const out = memorySink<WindowResult<string, number>>();
    a.source('events', sourceOptions).withWatermark('5m').groupByKey().window(session('2m')).aggregate(count(), { emit, ...(store ? { store } : {}) }).to(out);
    return { app: a, out };
  }

  it('gives session windows the in-memory stores\' exact results, retractions included, with keys spilling to disk', async () => {
    // More users than the cache holds: sessions leave the cache and come back as new objects
    // between an event and the commit or the close that emits them. A watermark delay longer than
    // the gap lets late-enough records bridge two sessions (a merge, and in update mode a retraction).
    const sessionEventArb = fc.record({
      at: fc.integer({ min: 0, max: 20 * MIN }),
      user: fc.integer({ min: 0, max: 9 }).map((n) => `u${n}`),
      then: fc.constantFrom(0, 0, 0, 1, 2),
    });
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 4 }), fc.constantFrom('update' as const, 'final' as const), fc.array(sessionEventArb, { maxLength: 80 }), async (cacheEntries, emit, events) => {
        const runDir = await mkdtemp(join(dir, 'run-'));
        const runWith = async (store: StoreFactory | undefined, stateDir: string) => {
          const { app: a, out } = sessionWindowsApp(store, emit);
          const driver = await TopologyTestDriver.create(a, { commit: 'manual', partitions: 2, backend: localBackend({ dir: stateDir }) });
          for (const e of events) {
            await driver.pipe('events', event(e.at, { user_id: e.user }));
            if (e.then === 1) await driver.commit();
            if (e.then === 2) await driver.restart();
          }
          await driver.pipe('events', event(90 * MIN, { user_id: 'u0' }), { partition: 0 });
          await driver.pipe('events', event(90 * MIN, { user_id: 'u1' }), { partition: 1 });
          await driver.commit();
          const output = driver.output(out).map((r) => `${r.retract ? '-' : '+'}${r.value.key}@${r.value.windowStart}-${r.value.windowEnd}=${r.value.value}`);
          await driver.close();
          return output;
        };
        const expected = await runWith(undefined, join(runDir, 'memory'));
        const actual = await runWith(sqliteStores({ dir: join(runDir, 'spill'), cacheEntries }), join(runDir, 'sqlite'));
        expect(actual).toEqual(expected);
      }),
      { numRuns: 80 },
    );
  });

  it("removes the spill files a crashed process left under this process's pid (a container restarted: node is pid 1 again)", async () => {
    // File names hold the pid and a counter that starts again at 1 in every process, so the new
    // process's next name may be the very file the crashed one left: it opened it, found its
    // tables there, and failed at every restart.
    const leftovers = Array.from({ length: 300 }, (_, i) => `spill-${process.pid}-${i + 1}.sqlite`);
    for (const file of leftovers) await writeFile(join(dir, file), 'left by a crashed process that had this pid');
    const store = sqliteStores({ dir }).keyValue<string, number>('x', { encode: (n) => n, decode: (j) => j as number });
    store.put('k', 1);
    expect(store.get('k')).toBe(1);
    const [own, ...others] = readdirSync(dir);
    expect(others).toEqual([]);
    expect(own).toMatch(new RegExp(`^spill-${process.pid}-\\d+\\.sqlite$`));
    // This process's own open file is another store's, and is kept while it is open, whichever
    // way the other factory spells the directory.
    const second = sqliteStores({ dir: relative(process.cwd(), dir) }).keyValue<string, number>('y', { encode: (n) => n, decode: (j) => j as number });
    expect(readdirSync(dir)).toContain(own);
    expect(store.get('k')).toBe(1);
    // …or reaches it through a symlink.
    const link = `${dir}-link`;
    symlinkSync(dir, link);
    try {
      const third = sqliteStores({ dir: link }).keyValue<string, number>('z', { encode: (n) => n, decode: (j) => j as number });
      expect(readdirSync(dir)).toContain(own);
      third.close?.();
    } finally {
      rmSync(link, { force: true });
    }
    store.close?.();
    second.close?.();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('removes the spill files of processes that are gone, and validates its options', async () => {
    const stale = join(dir, 'spill-999999999-1.sqlite');
    await writeFile(stale, 'left by a crash');
    const store = sqliteStores({ dir }).keyValue<string, number>('x', { encode: (n) => n, decode: (j) => j as number });
    expect(existsSync(stale)).toBe(false);
    expect(readdirSync(dir)).toEqual([`spill-${process.pid}-${readdirSync(dir)[0]!.split('-')[2]}`]);
    store.close?.();
    expect(readdirSync(dir)).toEqual([]);
    expect(() => sqliteStores({ dir, cacheEntries: 0 })).toThrow('sqliteStores: cacheEntries must be a positive integer, got 0');
    expect(() => sqliteStores({ dir, pageCacheMb: -1 })).toThrow('sqliteStores: pageCacheMb must be a positive number, got -1');
    expect(() => sqliteStores({ dir: '' })).toThrow('sqliteStores: dir must be a directory path');
  });
});
