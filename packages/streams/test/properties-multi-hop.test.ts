import fc from 'fast-check';
import {
  count,
  Engine,
  memoryBackend,
  memorySink,
  session,
  silentLogger,
  streams,
  sum,
  tumbling,
  VirtualClock,
  type MemorySink,
  type SinkWriter,
  type StreamsApp,
  type WindowResult,
} from '../src';
import { TopologyTestDriver } from '../src/testing';
import { event, MIN, sourceOptions, T0, type Event } from './support/events';
import { interleave } from './support/interleavings';
import { echoThenTimer } from './support/processors';
import { cutSessions } from './support/session-cuts';

// Property tests: their length is bounded by numRuns. Jest's default 5 s per test was too short
// on a loaded CI machine (sqlite-stores' session test timed out there once, complete but slow).
jest.setTimeout(60_000);

/**
 * Property tests of multi-hop topologies (a second groupBy, a keyed processor emitting from
 * process and from event-time timers, session results re-keyed): for the same records per
 * partition, every interleaving of the partitions, every split into batches and every choice of
 * commits gives the same final results, the same last value per (key, window) in update mode and
 * the same late() records (README, "Event time: the semantics"). Where the README fixes the result
 * exactly (roll-ups of aligned tumbling windows, a processor's output, sessions), a naive
 * computation of the rules checks it too.
 */

/** Per property; 12 properties take about 6 s together. */
const NUM_RUNS = 40;

const PAGES = ['/', '/x', '/y', '/z'];
const USERS = ['a', 'b', 'c'];

interface Scenario {
  delayMs: number;
  /** Events per partition, in offset order. A user lives in one partition, as with Kafka's key partitioning. */
  partitions: Event[][];
  /** Three ways to read them: merge orders of the partitions. */
  orders: [number[], number[], number[]];
  /** Commit after record i (driver runs) or after batch i (batched run). */
  commits: boolean[];
  /** Batch sizes of the batched run. */
  batches: number[];
}

const scenarioArb: fc.Arbitrary<Scenario> = fc
  .record({
    delayMs: fc.constantFrom(0, 30_000, 2 * MIN),
    partitions: fc.array(
      fc.array(
        fc.record({
          // Half of the times on 30-second marks: records exactly on window ends and watermarks.
          at: fc.oneof(fc.integer({ min: 0, max: 12 * MIN }), fc.integer({ min: 0, max: 24 }).map((n) => n * 30_000)),
          user: fc.constantFrom(...USERS),
          page: fc.constantFrom(...PAGES),
        }),
        { maxLength: 14 },
      ),
      { minLength: 2, maxLength: 3 },
    ),
    seeds: fc.tuple(fc.integer(), fc.integer(), fc.integer()),
    commits: fc.array(fc.boolean(), { minLength: 50, maxLength: 50 }),
    batches: fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 50, maxLength: 50 }),
  })
  .map(({ delayMs, partitions, seeds, commits, batches }) => {
    const events = partitions.map((p, i) => p.map((e) => event(e.at, { user_id: `p${i}${e.user}`, page_url: e.page })));
    const lengths = events.map((p) => p.length);
    const orders = seeds.map((seed) => interleave(lengths, seed)) as Scenario['orders'];
    return { delayMs, partitions: events, orders, commits, batches };
  });

/** The far-future record each partition gets at the end, so every real window closes and every real timer fires. */
const FLUSH_AT = 24 * 60 * MIN;
const flushEvent = (p: number) => event(FLUSH_AT, { user_id: `p${p}flush`, page_url: '/flush' });

interface Built {
  app: StreamsApp;
  /** Window results, final mode: each window once. */
  final: Record<string, MemorySink<unknown>>;
  /** Window results, update mode: the last value of each (key, window) is the table. */
  update: Record<string, MemorySink<unknown>>;
  late: Record<string, MemorySink<unknown>>;
}

interface Outcome {
  final: Record<string, string[]>;
  update: Record<string, Record<string, number>>;
  late: Record<string, string[]>;
}

const rel = (t: number) => (t - T0) / 1000;

function outcome(b: Built, rows: (sink: MemorySink<unknown>) => ReadonlyArray<{ value: unknown; retract?: boolean }>): Outcome {
  const real = (r: WindowResult<unknown, number>) => r.windowStart < T0 + FLUSH_AT - 60 * MIN;
  const final: Outcome['final'] = {};
  for (const [name, sink] of Object.entries(b.final)) {
    const values = rows(sink).map((r) => r.value as WindowResult<unknown, number>);
    const windows = values.map((r) => `${String(r.key)}|${rel(r.windowStart)}`);
    // Final mode: each window exactly once.
    expect(new Set(windows).size).toBe(windows.length);
    final[name] = values.filter(real).map((r) => `${String(r.key)}|${rel(r.windowStart)}|${rel(r.windowEnd)}|${r.value}`).sort();
  }
  const update: Outcome['update'] = {};
  for (const [name, sink] of Object.entries(b.update)) {
    const table = new Map<string, number>();
    for (const r of rows(sink)) {
      const v = r.value as WindowResult<unknown, number>;
      if (!real(v)) continue;
      const id = `${String(v.key)}|${rel(v.windowStart)}`;
      if (r.retract === true) table.delete(id);
      else table.set(id, v.value);
    }
    update[name] = Object.fromEntries([...table].sort(([a], [b]) => (a < b ? -1 : 1)));
  }
  const late: Outcome['late'] = {};
  for (const [name, sink] of Object.entries(b.late)) late[name] = rows(sink).map((r) => JSON.stringify(r.value)).sort();
  return { final, update, late };
}

/** Through the test driver, a record at a time, committing where `commits` says (or after each record). */
async function runDriver(build: () => Built, s: Scenario, order: number[], commits: boolean[] | 'each', repartition: 'in-process' | 'topics'): Promise<Outcome> {
  const b = build();
  const driver = await TopologyTestDriver.create(b.app, { partitions: s.partitions.length, commit: 'manual', repartition });
  const next = s.partitions.map(() => 0);
  for (const [i, p] of order.entries()) {
    await driver.pipe('events', s.partitions[p]![next[p]!++]!, { partition: p });
    if (commits === 'each' || commits[i % commits.length]) await driver.commit();
  }
  await driver.commit();
  for (let p = 0; p < s.partitions.length; p++) await driver.pipe('events', flushEvent(p), { partition: p });
  await driver.commit();
  return outcome(b, (sink) => driver.output(sink));
}

/** Straight on the engine (re-keyed in process), in batches that mix partitions, committing after some. */
async function runBatched(build: () => Built, s: Scenario, order: number[]): Promise<Outcome> {
  const b = build();
  const n = s.partitions.length;
  const engine = new Engine({
    topology: b.app.topology(),
    backend: memoryBackend(),
    clock: new VirtualClock(0),
    logger: silentLogger,
    idleTimeoutMs: 30_000,
    openSink: (sink, nodeName) => sink.open({ applicationId: b.app.applicationId, nodeName, logger: silentLogger }) as Promise<SinkWriter<unknown>>,
  });
  const parts = s.partitions.map((_p, partition) => ({ topic: 'events', partition }));
  await engine.start({ partitions: parts, partitionCounts: new Map([['events', n]]) });
  await engine.resumeFrom(parts.map((p) => ({ ...p, offset: 0 })));
  const offsets = s.partitions.map(() => 0);
  const raw = (p: number, e: Event) => ({ topic: 'events', partition: p, offset: offsets[p]!++, key: Buffer.from(e.user_id), value: Buffer.from(JSON.stringify(e)), timestamp: 0 });
  const next = s.partitions.map(() => 0);
  const records = order.map((p) => raw(p, s.partitions[p]![next[p]!++]!));
  const commit = async () => engine.committed(await engine.commit());
  for (let i = 0, k = 0; i < records.length; k++) {
    const size = s.batches[k % s.batches.length]!;
    engine.process(records.slice(i, i + size));
    i += size;
    if (s.commits[k % s.commits.length]) await commit();
  }
  await commit();
  engine.process(s.partitions.map((_e, p) => raw(p, flushEvent(p))));
  await commit();
  return outcome(b, (sink) => sink.records);
}

/** Every way of reading the scenario gives what the reference run (driver, commit per record) gives. */
async function allAgree(build: () => Built, s: Scenario): Promise<Outcome> {
  const reference = await runDriver(build, s, s.orders[0], 'each', 'in-process');
  expect(await runDriver(build, s, s.orders[1], s.commits, 'in-process')).toEqual(reference);
  // Repartition topics refuse these topologies (a window's results re-keyed, a second re-key): in process only.
  expect(await runDriver(build, s, s.orders[2], s.commits.map((c) => !c), 'in-process')).toEqual(reference);
  expect(await runBatched(build, s, s.orders[1])).toEqual(reference);
  return reference;
}

// ---- The rules, the slow and obvious way (per partition, in offset order) ----

/** Each record with whether it is late: before the watermark of its partition (stream time - delay) just before it. */
function judged(s: Scenario, lateIf: (e: Event, watermark: number) => boolean): Array<{ e: Event; t: number; late: boolean; partition: number }> {
  return s.partitions.flatMap((records, partition) => {
    let streamTime = -Infinity;
    return records.map((e) => {
      const t = Date.parse(e.event_time);
      const late = lateIf(e, streamTime - s.delayMs);
      streamTime = Math.max(streamTime, t);
      return { e, t, late, partition };
    });
  });
}

const floorTo = (t: number, size: number) => Math.floor(t / size) * size;
const tally = (ids: string[]) => {
  const m = new Map<string, number>();
  for (const id of ids) m.set(id, (m.get(id) ?? 0) + 1);
  return m;
};
const asFinal = (m: Map<string, number>, size: number) => [...m].map(([id, v]) => { const [k, start] = id.split('|'); return `${k}|${start}|${Number(start) + size / 1000}|${v}`; }).sort();
const asTable = (m: Map<string, number>) => Object.fromEntries([...m].sort(([a], [b]) => (a < b ? -1 : 1)));
const lateJson = (rows: Array<{ e: Event; late: boolean }>) => rows.filter((r) => r.late).map((r) => JSON.stringify(r.e)).sort();

// ---- 1. groupBy(page) → 1m count → groupBy(coarser) → sum over a larger window ----

const COARSE = { all: () => 'all', root: (page: string) => (page === '/' ? 'root' : 'sub') } as const;

describe('a second groupBy hop: minute counts per page, re-keyed and summed over larger windows', () => {
  it.each([
    ['all', 5, 'final'],
    ['root', 10, 'update'],
    ['all', 10, 'update'],
    ['root', 5, 'final'],
  ] as const)('to %s, %i-minute sums, emit %s', async (coarse, rollMinutes, emit) => {
    const roll = rollMinutes * MIN;
    const build = (): Built => {
      const app = streams({ applicationId: 'multi-hop-rollup' });
      const minuteFinal = memorySink<WindowResult<string, number>>();
      const minuteUpdate = memorySink<WindowResult<string, number>>();
      const rolled = memorySink<WindowResult<string, number>>();
      const lateSource = memorySink<unknown>();
      const lateRolled = memorySink<unknown>();
      const byPage = app.source('events', sourceOptions).withWatermark(s0.delayMs).groupBy((e) => e.page_url);
      const minutes = byPage.window(tumbling('1m')).aggregate(count(), { emit: 'final' });
      minutes.to(minuteFinal);
      minutes.late().to(lateSource);
      byPage.window(tumbling('1m')).aggregate(count(), { emit: 'update' }).to(minuteUpdate);
      const sums = minutes
        .groupBy((r) => COARSE[coarse](r.key))
        .window(tumbling(`${rollMinutes}m`))
        .aggregate(sum((r: WindowResult<string, number>) => r.value), { emit });
      sums.to(rolled);
      sums.late().to(lateRolled);
      return {
        app,
        final: emit === 'final' ? { minuteFinal, rolled } : { minuteFinal },
        update: emit === 'update' ? { minuteUpdate, rolled } : { minuteUpdate },
        late: { lateSource, lateRolled },
      } as unknown as Built;
    };
    let s0: Scenario;
    await fc.assert(
      fc.asyncProperty(scenarioArb, async (s) => {
        s0 = s;
        const got = await allAgree(build, s);
        // The rules: a record counts in its minute unless late on its own partition; the minutes
        // roll up into aligned larger windows without any being late.
        const rows = judged(s, (e, watermark) => floorTo(Date.parse(e.event_time) - T0, MIN) + MIN <= watermark - T0);
        const kept = rows.filter((r) => !r.late);
        const minutes = tally(kept.map((r) => `${r.e.page_url}|${floorTo(r.t - T0, MIN) / 1000}`));
        const sums = tally(kept.map((r) => `${COARSE[coarse](r.e.page_url)}|${floorTo(r.t - T0, roll) / 1000}`));
        expect(got.final.minuteFinal).toEqual(asFinal(minutes, MIN));
        expect(got.update.minuteUpdate).toEqual(asTable(minutes));
        if (emit === 'final') expect(got.final.rolled).toEqual(asFinal(sums, roll));
        else expect(got.update.rolled).toEqual(asTable(sums));
        expect(got.late.lateSource).toEqual(lateJson(rows));
        expect(got.late.lateRolled).toEqual([]);
      }),
      { numRuns: NUM_RUNS },
    );
  });
});

// ---- 2. groupBy(page) → processor emitting in process() and from timers → groupBy → count ----


describe('a processor emitting from process and from event-time timers, re-keyed and counted', () => {
  it.each([
    ['all', 1, 'final'],
    ['kind', 2, 'final'],
    ['all', 2, 'update'],
    ['kind', 1, 'update'],
  ] as const)('to %s, %i-minute counts, emit %s', async (rekey, minutes, emit) => {
    const size = minutes * MIN;
    const keyOf = (v: string) => (rekey === 'all' ? 'all' : v.split(' ')[0]!);
    let s0: Scenario;
    const build = (): Built => {
      const app = streams({ applicationId: 'multi-hop-processor' });
      const counts = memorySink<WindowResult<string, number>>();
      const lateProcessor = memorySink<unknown>();
      const lateCounts = memorySink<unknown>();
      const out = app.source('events', sourceOptions).withWatermark(s0.delayMs).groupBy((e) => e.page_url).process(echoThenTimer);
      out.late().to(lateProcessor);
      const windowed = out.groupBy(keyOf).window(tumbling(`${minutes}m`)).aggregate(count(), { emit });
      windowed.to(counts);
      windowed.late().to(lateCounts);
      return { app, final: emit === 'final' ? { counts } : {}, update: emit === 'update' ? { counts } : {}, late: { lateProcessor, lateCounts } } as unknown as Built;
    };
    await fc.assert(
      fc.asyncProperty(scenarioArb, async (s) => {
        s0 = s;
        const got = await allAgree(build, s);
        // The rules: a record before its partition's watermark goes to late(); every other one is
        // echoed at its time and sets the timer (page, time) at time + 1m, which fires once
        // (output at the timer's time). Nothing the processor emits is late below.
        const rows = judged(s, (e, watermark) => Date.parse(e.event_time) < watermark);
        const kept = rows.filter((r) => !r.late);
        const timers = new Set(kept.map((r) => `${r.e.page_url}@${r.t + MIN}`));
        const ids = [
          ...kept.map((r) => `${keyOf('event x')}|${floorTo(r.t - T0, size) / 1000}`),
          ...[...timers].map((id) => `${keyOf('timer x')}|${floorTo(Number(id.split('@')[1]) - T0, size) / 1000}`),
        ];
        const expected = tally(ids);
        if (emit === 'final') expect(got.final.counts).toEqual(asFinal(expected, size));
        else expect(got.update.counts).toEqual(asTable(expected));
        expect(got.late.lateProcessor).toEqual(lateJson(rows));
        expect(got.late.lateCounts).toEqual([]);
      }),
      { numRuns: NUM_RUNS },
    );
  });
});

// ---- 3. groupByKey → sessions → flatMap/map → groupBy → count ----

describe('session results, flat-mapped, re-keyed and counted', () => {
  it.each([
    ['1m', 10, 'final'],
    ['2m', 60, 'update'],
    ['2m', 10, 'final'],
    ['1m', 60, 'update'],
  ] as const)('gap %s, %i-minute counts, emit %s', async (gap, minutes, emit) => {
    const gapMs = gap === '1m' ? MIN : 2 * MIN;
    let s0: Scenario;
    const build = (): Built => {
      const app = streams({ applicationId: 'multi-hop-sessions' });
      const sessionsFinal = memorySink<WindowResult<string, number>>();
      const sessionsUpdate = memorySink<WindowResult<string, number>>();
      const counts = memorySink<WindowResult<string, number>>();
      const lateSessions = memorySink<unknown>();
      const lateCounts = memorySink<unknown>();
      const byUser = app.source('events', sourceOptions).withWatermark(s0.delayMs).groupByKey();
      const sessions = byUser.window(session(gap)).aggregate(count(), { emit: 'final' });
      sessions.to(sessionsFinal);
      sessions.late().to(lateSessions);
      byUser.window(session(gap)).aggregate(count(), { emit: 'update' }).to(sessionsUpdate);
      const windowed = sessions
        .flatMap((r) => (r.value >= 2 ? [r, { ...r, value: 0 }] : [r]))
        .map((r) => ({ user: r.key, size: r.value === 0 ? 'extra' : r.value >= 3 ? 'long' : 'short' }))
        .groupBy((r) => r.size)
        .window(tumbling(`${minutes}m`))
        .aggregate(count(), { emit });
      windowed.to(counts);
      windowed.late().to(lateCounts);
      return {
        app,
        final: emit === 'final' ? { sessionsFinal, counts } : { sessionsFinal },
        update: emit === 'update' ? { sessionsUpdate, counts } : { sessionsUpdate },
        late: { lateSessions, lateCounts },
      } as unknown as Built;
    };
    await fc.assert(
      fc.asyncProperty(scenarioArb, async (s) => {
        s0 = s;
        const got = await allAgree(build, s);
        // The rules: a record before its partition's watermark is late; the others of a user make
        // sessions of records at most the gap apart, [first, last] with their count.
        const rows = judged(s, (e, watermark) => Date.parse(e.event_time) < watermark);
        const times = new Map<string, number[]>();
        for (const r of rows) if (!r.late) times.set(r.e.user_id, [...(times.get(r.e.user_id) ?? []), r.t]);
        const sessions: string[] = [];
        const table: Record<string, number> = {};
        for (const [user, ts] of times) {
          for (const c of cutSessions(ts, gapMs)) sessions.push(`${user}|${rel(c.start)}|${rel(c.end)}|${c.count}`);
        }
        for (const row of sessions) {
          const [user, start, , n] = row.split('|');
          table[`${user}|${start}`] = Number(n);
        }
        expect(got.final.sessionsFinal).toEqual(sessions.sort());
        expect(got.update.sessionsUpdate).toEqual(Object.fromEntries(Object.entries(table).sort(([a], [b]) => (a < b ? -1 : 1))));
        expect(got.late.lateSessions).toEqual(lateJson(rows));
      }),
      { numRuns: NUM_RUNS },
    );
  });
});
