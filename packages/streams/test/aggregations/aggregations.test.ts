import {
  aggregator,
  approxCountDistinct,
  count,
  countDistinct,
  HyperLogLog,
  max,
  memorySink,
  min,
  reduce,
  session,
  streams,
  sum,
  tumbling,
  hopping,
  type Aggregator,
  type Codec,
  type WindowResult,
} from '../../src';
import { TopologyTestDriver } from '../../src/testing';
import { ownCopy } from '../../src/util/copy';
import { wholeValueCodec } from '../../src/util/json';
import { event, MIN, sourceOptions, T0, type Event } from '../support/events';

/** Runs one aggregation over a tumbling minute of the given events (final mode) and returns its result. */
async function aggregate<R>(agg: Aggregator<Event, unknown, R>, events: Event[]): Promise<R> {
  const app = streams({ applicationId: 'aggregations' });
  const sink = memorySink<WindowResult<null, R>>();
  app.source('e', sourceOptions).window(tumbling('1m')).aggregate(agg, { emit: 'final' }).to(sink);
  const driver = await TopologyTestDriver.create(app);
  await driver.pipeAll('e', events);
  await driver.pipe('e', event(10 * MIN)); // closes the first minute
  return driver.values(sink)[0]!.value;
}

const events = [
  event(1_000, { user_id: 'a', page_url: '/3' }),
  event(2_000, { user_id: 'b', page_url: '/10' }),
  event(3_000, { user_id: 'a', page_url: '/-2' }),
  event(4_000, { user_id: 'c', page_url: '/7' }),
];
const n = (e: Event) => Number(e.page_url.slice(1));

describe('aggregations', () => {
  it('count, sum, min, max', async () => {
    expect(await aggregate(count(), events)).toBe(4);
    expect(await aggregate(sum(n), events)).toBe(18);
    expect(await aggregate(min(n), events)).toBe(-2);
    expect(await aggregate(max(n), events)).toBe(10);
  });

  it('min and max are NaN when a value is, whichever comes first, as Math.min and sum are', async () => {
    const withNaN = [event(1_000, { page_url: '/x' }), event(2_000, { page_url: '/5' })];
    for (const order of [withNaN, [...withNaN].reverse()]) {
      expect(await aggregate(min(n), order)).toBeNaN();
      expect(await aggregate(max(n), order)).toBeNaN();
    }
  });

  it('countDistinct is exact', async () => {
    expect(await aggregate(countDistinct((e) => e.user_id), events)).toBe(3);
  });

  it('reduce folds values in partition order', async () => {
    const longest = reduce<Event>((a, b) => (b.page_url.length > a.page_url.length ? b : a));
    expect((await aggregate(longest, events)).page_url).toBe('/10');
  });

  it('a user-defined aggregator, with its own accumulator', async () => {
    const average = aggregator({
      name: 'average',
      init: () => ({ sum: 0, n: 0 }),
      add: (acc: { sum: number; n: number }, e: Event) => ({ sum: acc.sum + n(e), n: acc.n + 1 }),
      merge: (a: { sum: number; n: number }, b: { sum: number; n: number }) => ({ sum: a.sum + b.sum, n: a.n + b.n }),
      result: (acc: { sum: number; n: number }) => acc.sum / acc.n,
    });
    expect(await aggregate(average, events)).toBe(4.5);
  });

  it('merges accumulators of sessions that a record joins', async () => {
    const app = streams({ applicationId: 'merge' });
    const sink = memorySink<WindowResult<string, number>>();
    app.source('e', sourceOptions).withWatermark('1h').groupByKey().window(session('5m')).aggregate(sum(n), { emit: 'final' }).to(sink);
    const driver = await TopologyTestDriver.create(app);
    await driver.pipe('e', event(0, { page_url: '/1' }));
    await driver.pipe('e', event(8 * MIN, { page_url: '/2' }));
    await driver.pipe('e', event(4 * MIN, { page_url: '/4' })); // bridges both sessions
    await driver.pipe('e', event(200 * MIN, { page_url: '/0' }));
    expect(driver.values(sink).map((r) => r.value)).toEqual([7]);
  });

  it('approxCountDistinct stays within 2% of the exact count with bounded memory', () => {
    const hll = new HyperLogLog(14);
    for (let i = 0; i < 100_000; i++) hll.add(`user-${i}`);
    for (let i = 0; i < 100_000; i++) hll.add(`user-${i}`); // repeats change nothing
    expect(Math.abs(hll.estimate() - 100_000) / 100_000).toBeLessThan(0.02);
    expect(hll.registers.byteLength).toBe(16_384);
    const small = new HyperLogLog(14);
    for (let i = 0; i < 50; i++) small.add(i);
    expect(small.estimate()).toBe(50); // linear counting is exact for small sets
  });

  it('approxCountDistinct merges and survives its codec', async () => {
    const agg = approxCountDistinct<Event>((e) => e.user_id);
    const a = agg.add(agg.init(), event(0, { user_id: 'x' }));
    const b = agg.add(agg.add(agg.init(), event(0, { user_id: 'y' })), event(0, { user_id: 'x' }));
    const merged = agg.merge(a, b);
    expect(agg.result(merged)).toBe(2);
    const codec = agg.codec as Codec<HyperLogLog>;
    expect(agg.result(codec.decode(codec.encode(merged)))).toBe(2);
    expect(await aggregate(agg as Aggregator<Event, unknown, number>, events)).toBe(3);
    expect(() => approxCountDistinct((e: Event) => e.user_id, { precision: 2 })).toThrow(/precision/);
    // A sketch stored at another precision is refused, not read as a sketch of this one.
    const at10 = approxCountDistinct<Event>((e) => e.user_id, { precision: 10 });
    expect(at10.name).toBe('approxCountDistinct(precision 10)');
    expect(() => (at10.codec as Codec<HyperLogLog>).decode(codec.encode(merged))).toThrow(
      'approxCountDistinct: a stored sketch has 16384 registers, which precision 10 does not read (it needs 1024)',
    );
  });

  it('runs a countDistinct copied into aggregator() with its own result as written, not as countDistinct', async () => {
    const atLeastTwo = aggregator({ ...countDistinct((e: Event) => e.user_id), name: 'atLeastTwo', result: (s) => s.size >= 2 });
    expect(await aggregate(atLeastTwo as Aggregator<Event, unknown, boolean>, [event(0, { user_id: 'a' }), event(1, { user_id: 'b' })])).toBe(true);
    expect(await aggregate(atLeastTwo as Aggregator<Event, unknown, boolean>, [event(0, { user_id: 'a' }), event(1, { user_id: 'a' })])).toBe(false);
  });

  it('countDistinct inside a session is saved whole, and keeps no list of new values beside it', () => {
    const agg = countDistinct((e: Event) => e.user_id);
    const seen = agg.add(agg.add(agg.init(), event(0, { user_id: 'a' })), event(1, { user_id: 'b' }));
    const whole = wholeValueCodec(agg.codec!);
    const saved = whole.encode(seen);
    expect(saved).toEqual([
      ['$a', 1],
      ['$b', 1],
    ]);
    expect(seen.takeAdded()).toEqual([]); // before: ['a', 'b'], growing for as long as the session lived
    expect(agg.result(whole.decode(saved))).toBe(2);
  });

  it('countDistinct saves only the values new since the last commit, and restores them all', async () => {
    const app = streams({ applicationId: 'distinct-parts' });
    const sink = memorySink<WindowResult<null, number>>();
    app.source('e', sourceOptions).window(tumbling('1m')).aggregate(countDistinct((e) => e.user_id), { name: 'users' }).to(sink);
    const driver = await TopologyTestDriver.create(app, { commit: 'manual' });
    await driver.pipeAll('e', [event(0, { user_id: 'a' }), event(1_000, { user_id: 'b' })]);
    await driver.commit();
    await driver.pipeAll('e', [event(2_000, { user_id: 'a' }), event(3_000, { user_id: 'c' })]);
    await driver.commit();
    // One entry per value with the windows it is in (here the one minute), whatever the commit.
    const saved = await driver.storeEntries('users-store');
    expect(saved.filter(([k]) => (k as unknown[]).length === 2)).toEqual([
      [[null, '$a'], [T0 / MIN]],
      [[null, '$b'], [T0 / MIN]],
      [[null, '$c'], [T0 / MIN]],
    ]);
    await driver.restart();
    await driver.pipe('e', event(4_000, { user_id: 'a' }));
    await driver.commit();
    expect(driver.values(sink).map((r) => r.value)).toEqual([2, 3, 3]);
  });

  describe('shares no live object with what it emits or receives', () => {
    type Tally = { n: number };
    const addUp = reduce<Tally>((a, b) => {
      a.n += b.n; // mutates its accumulator, as the docs allow
      return a;
    });

    it('reduce keeps each hopping window its own accumulator, and leaves the records as they were', async () => {
      const app = streams({ applicationId: 'reduce-own' });
      const windows = memorySink<WindowResult<null, Tally>>();
      const raw = memorySink<Tally>();
      const tallies = app.source('e', sourceOptions).map(() => ({ n: 1 }));
      tallies.to(raw);
      tallies.window(hopping({ size: '3m', advance: '1m' })).aggregate(addUp, { emit: 'final' }).to(windows);
      const driver = await TopologyTestDriver.create(app);
      await driver.pipe('e', event(0));
      await driver.pipe('e', event(30_000));
      await driver.pipe('e', event(10 * MIN)); // closes the three windows of the first two
      const closed = driver.values(windows).filter((r) => r.windowStart <= T0);
      expect(closed.map((r) => [(r.windowStart - T0) / MIN, r.value.n])).toEqual([
        [-2, 2],
        [-1, 2],
        [0, 2],
      ]);
      expect(driver.values(raw)).toEqual([{ n: 1 }, { n: 1 }, { n: 1 }]);
    });

    it('reduce copies a record combine returns before it can become a mutated accumulator', async () => {
      const firstThenAdd = reduce<Tally>((a, b) => {
        if (a.n === 0) return b; // takes the record itself
        a.n += b.n;
        return a;
      });
      const app = streams({ applicationId: 'reduce-returned' });
      const windows = memorySink<WindowResult<null, Tally>>();
      const raw = memorySink<Tally>();
      const tallies = app.source('e', sourceOptions).map((e) => ({ n: e.user_id === 'zero' ? 0 : 1 }));
      tallies.to(raw);
      tallies.window(tumbling('1m')).aggregate(firstThenAdd, { emit: 'final' }).to(windows);
      const driver = await TopologyTestDriver.create(app);
      await driver.pipeAll('e', [event(0, { user_id: 'zero' }), event(1_000), event(2_000), event(10 * MIN)]);
      expect(driver.values(windows)[0]!.value).toEqual({ n: 2 });
      expect(driver.values(raw)).toEqual([{ n: 0 }, { n: 1 }, { n: 1 }, { n: 1 }]);
    });

    it('an update-mode window result already sent does not change when the window takes more records', async () => {
      const users = aggregator({
        name: 'users',
        init: () => ({ users: [] as string[] }),
        add: (acc: { users: string[] }, e: Event) => (acc.users.push(e.user_id), acc),
        result: (acc: { users: string[] }) => acc, // the accumulator itself
      });
      const app = streams({ applicationId: 'update-copies' });
      const sink = memorySink<WindowResult<null, { users: string[] }>>();
      app.source('e', sourceOptions).window(tumbling('1m')).aggregate(users).to(sink);
      const driver = await TopologyTestDriver.create(app, { commit: 'manual' });
      await driver.pipe('e', event(0, { user_id: 'a' }));
      await driver.commit();
      await driver.pipe('e', event(10_000, { user_id: 'b' }));
      await driver.commit();
      expect(driver.values(sink).map((r) => r.value.users)).toEqual([['a'], ['a', 'b']]);
    });

    it('an update-mode session result already sent does not change when the session takes more records', async () => {
      const app = streams({ applicationId: 'session-copies' });
      const sink = memorySink<WindowResult<string, Tally>>();
      app
        .source('e', sourceOptions)
        .map(() => ({ n: 1 }))
        .groupByKey()
        .window(session('5m'))
        .aggregate(addUp)
        .to(sink);
      const driver = await TopologyTestDriver.create(app, { commit: 'manual' });
      await driver.pipe('e', event(0));
      await driver.commit();
      await driver.pipe('e', event(MIN));
      await driver.commit();
      expect(driver.values(sink).map((r) => r.value.n)).toEqual([1, 2]);
    });

    it('an update-mode result that is a Set is sent as a copy too, in windows and in sessions', async () => {
      // The README names a Set as an accumulator `result` may return; structured clone copies it as a Set.
      const pages = aggregator({
        name: 'pages',
        init: () => new Set<string>(),
        add: (acc: Set<string>, e: Event) => acc.add(e.page_url),
        merge: (a: Set<string>, b: Set<string>) => new Set([...a, ...b]),
        result: (acc: Set<string>) => acc,
        codec: { encode: (acc: Set<string>) => [...acc], decode: (json) => new Set(json as string[]) } satisfies Codec<Set<string>>,
      });
      const app = streams({ applicationId: 'set-copies' });
      const windows = memorySink<WindowResult<null, Set<string>>>();
      const sessions = memorySink<WindowResult<string, Set<string>>>();
      const source = app.source('e', sourceOptions);
      source.window(tumbling('1h')).aggregate(pages).to(windows);
      source.groupByKey().window(session('1h')).aggregate(pages).to(sessions);
      const driver = await TopologyTestDriver.create(app, { commit: 'manual' });
      await driver.pipe('e', event(0, { page_url: '/a' }));
      await driver.commit();
      await driver.pipe('e', event(MIN, { page_url: '/b' }));
      await driver.commit();
      for (const sent of [driver.values(windows).map((r) => r.value), driver.values(sessions).map((r) => r.value)]) {
        expect(sent.every((v) => v instanceof Set)).toBe(true);
        expect(sent.map((v) => [...v])).toEqual([['/a'], ['/a', '/b']]);
      }
    });
  });
});

describe('ownCopy', () => {
  it('copies data deeply, bytes as bytes, and shares what it cannot copy faithfully', () => {
    const plain = { a: [1, { b: 2 }] };
    const copy = ownCopy(plain);
    expect(copy).toEqual(plain);
    expect(copy.a[1]).not.toBe(plain.a[1]);
    const bytes = Buffer.from([1, 2]);
    expect(Buffer.isBuffer(ownCopy(bytes)) && ownCopy(bytes) !== bytes && ownCopy(bytes).equals(bytes)).toBe(true);
    class Money {
      constructor(readonly cents: number) {}
    }
    const money = new Money(5);
    expect(ownCopy(money)).toBe(money);
    const withFunction = { f: () => 1 };
    expect(ownCopy(withFunction)).toBe(withFunction);
    expect(ownCopy(7)).toBe(7);
  });

  it('copies the built-ins structured clone copies as themselves, not their subclasses', () => {
    const set = new Set([{ a: 1 }]);
    const setCopy = ownCopy(set);
    expect(setCopy).not.toBe(set);
    expect(setCopy instanceof Set && [...setCopy][0]).toEqual({ a: 1 });
    expect([...setCopy][0]).not.toBe([...set][0]);
    const map = new Map([['k', [1]]]);
    expect(ownCopy(map)).not.toBe(map);
    expect(ownCopy(map)).toEqual(map);
    const date = new Date(5);
    expect(ownCopy(date)).not.toBe(date);
    expect(ownCopy(date).getTime()).toBe(5);
    const floats = new Float64Array([1.5]);
    expect(ownCopy(floats)).not.toBe(floats);
    expect(ownCopy(floats)).toEqual(floats);
    class Tags extends Set<string> {
      list(): string[] {
        return [...this];
      }
    }
    const tags = new Tags(['x']);
    expect(ownCopy(tags)).toBe(tags); // a copy would be a plain Set, without list()
    const detached = new ArrayBuffer(8);
    structuredClone(detached, { transfer: [detached] });
    expect(ownCopy(detached)).toBe(detached); // cannot be copied: shared, as before, not thrown
  });
});
