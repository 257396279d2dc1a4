import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { count, countDistinct, createLogger, hopping, memorySink, processor, silentLogger, streams, tumbling, type WindowResult } from '../../../src';
import { KafkaStreams } from '../../../src/connectors/kafka';
import { event, MIN, SEC, sourceOptions, type Event } from '../../support/events';
import { brokers, createTopic, produce, uniqueName, waitFor } from '../../support/kafka';

jest.setTimeout(180_000);

/** Counts each user's events: per-key state that must follow its partition between instances. */
const perUser = processor<Event, { user: string; n: number }, number>({
  name: 'per-user',
  process(_e, ctx) {
    const n = (ctx.state.get() ?? 0) + 1;
    ctx.state.set(n);
    ctx.emit({ user: ctx.key, n });
  },
});

function topology(applicationId: string, input: string) {
  const app = streams({ applicationId });
  const pages = memorySink<WindowResult<string, number>>();
  const users = memorySink<WindowResult<null, number>>();
  const counts = memorySink<{ user: string; n: number }>();
  const events = app.source(input, sourceOptions).withWatermark('1m');
  events.groupBy((e) => e.page_url).window(tumbling('1m')).aggregate(count(), { name: 'page-counts' }).to(pages);
  events.window(hopping({ size: '3m', advance: '1m' })).aggregate(countDistinct((e) => e.user_id), { name: 'users' }).to(users);
  events.groupByKey().process(perUser).to(counts);
  return { app, pages, users, counts };
}

/** The upsert view of a stream of results: the last value per key. */
const table = <T>(records: T[], key: (r: T) => string) => new Map(records.map((r) => [key(r), r]));

describe('several instances sharing the work (scaling: multi-instance)', () => {
  let dirs: string[] = [];
  afterEach(async () => {
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
    dirs = [];
  });

  it('gives the same tables as one instance while partitions and their state move between instances', async () => {
    const input = uniqueName('multi-in');
    await createTopic(input, 4);
    const usersList = Array.from({ length: 12 }, (_, i) => `user-${i}`);
    const events = Array.from({ length: 2400 }, (_, i) =>
      event(i * 250 - (i % 37 === 0 ? 50 * SEC : 0), { user_id: usersList[(i * 7) % 12]!, page_url: `/p${i % 5}` }),
    );
    const send = (from: number, to: number) => produce(input, events.slice(from, to).map((e) => ({ value: JSON.stringify(e), key: e.user_id })));
    const drained = (...runtimes: KafkaStreams[]) => () =>
      runtimes.every((r) => r.metrics().state === 'running' && r.metrics().assigned.length > 0 && Object.values(r.metrics().lag).every((lag) => lag === 0));

    const applicationId = uniqueName('multi-app');
    const { app, pages, users, counts } = topology(applicationId, input);
    const start = async (instanceId: string) => {
      const dir = await mkdtemp(join(tmpdir(), 'multi-'));
      dirs.push(dir);
      const runtime = new KafkaStreams(app, {
        connection: { brokers },
        scaling: 'multi-instance',
        instanceId,
        stateDir: dir,
        commitInterval: '200ms',
        logger: process.env.DEBUG_MULTI ? createLogger({ level: 'debug', format: 'pretty', fields: { instance: instanceId } }) : silentLogger,
      });
      await runtime.start();
      return runtime;
    };
    // a alone; then a and b share the partitions (state of the moved ones restored on b); then b
    // alone (it gets a's partitions and their state).
    await send(0, 800);
    const a = await start('a');
    await waitFor(() => a.metrics().recordsIn >= 800 && drained(a)(), 60_000, 'a to read the first part');
    const b = await start('b');
    await waitFor(() => b.metrics().assigned.length > 0 && drained(a, b)(), 60_000, 'a rebalance that gives b partitions');
    expect(a.metrics().assigned.length).toBeGreaterThan(0);
    await send(800, 1600);
    await waitFor(() => a.metrics().recordsIn + b.metrics().recordsIn >= 1600 && drained(a, b)(), 60_000, 'a and b to read the second part');
    await a.stop();
    await waitFor(() => b.metrics().assigned.filter((p) => p.startsWith(input)).length === 4 && drained(b)(), 60_000, 'b to take every partition');
    await send(1600, 2400);
    await waitFor(() => a.metrics().recordsIn + b.metrics().recordsIn >= 2400 && drained(b)(), 60_000, 'b to read the rest');
    await new Promise((r) => setTimeout(r, 1_000)); // a commit interval, and watermark records
    await b.stop();

    expect(a.metrics().recordsIn).toBeGreaterThan(0);
    expect(b.metrics().recordsIn).toBeGreaterThan(0);

    // No event is late (the shifted ones are 50 s behind, within the 1-minute watermark), so each
    // table is a plain grouping of the input. Every count is exact only if state followed its
    // partitions and no record was counted twice across the moves.
    const expectedUsers = new Map<string, number>();
    const expectedPages = new Map<string, number>();
    const distinct = new Map<number, Set<string>>();
    for (const e of events) {
      const t = Date.parse(e.event_time);
      expectedUsers.set(e.user_id, (expectedUsers.get(e.user_id) ?? 0) + 1);
      const minute = Math.floor(t / MIN) * MIN;
      expectedPages.set(`${e.page_url}|${minute}`, (expectedPages.get(`${e.page_url}|${minute}`) ?? 0) + 1);
      for (let start = minute - 2 * MIN; start <= minute; start += MIN) distinct.set(start, (distinct.get(start) ?? new Set()).add(e.user_id));
    }
    const userCounts = table(counts.values(), (r) => r.user);
    expect(new Map([...userCounts].map(([u, r]) => [u, r.n]))).toEqual(expectedUsers);
    const pageTable = table(pages.values(), (r) => `${r.key}|${r.windowStart}`);
    expect(new Map([...pageTable].map(([k, r]) => [k, r.value]))).toEqual(expectedPages);
    const userTable = table(users.values(), (r) => String(r.windowStart));
    expect(new Map([...userTable].map(([k, r]) => [Number(k), r.value]))).toEqual(new Map([...distinct].map(([k, v]) => [k, v.size])));
  });

  it('exactly once, with a groupBy: stops, and starts again from its state', async () => {
    const input = uniqueName('multi-eos-in');
    await createTopic(input, 2);
    const events = Array.from({ length: 600 }, (_, i) => event(i * 500, { user_id: `user-${i % 7}`, page_url: `/p${i % 3}` }));
    const send = (from: number, to: number) => produce(input, events.slice(from, to).map((e) => ({ value: JSON.stringify(e), key: e.user_id })));
    const applicationId = uniqueName('multi-eos-app');
    const { app, pages } = topology(applicationId, input);
    const dir = await mkdtemp(join(tmpdir(), 'multi-eos-'));
    dirs.push(dir);
    const start = async () => {
      const runtime = new KafkaStreams(app, {
        connection: { brokers },
        scaling: 'multi-instance',
        processingGuarantee: 'exactly_once',
        instanceId: 'only',
        stateDir: dir,
        commitInterval: '200ms',
        logger: silentLogger,
      });
      await runtime.start();
      return runtime;
    };
    /** Page views per page and minute, as the table of `pages` holds them (its last value per key). */
    const pageTable = () => new Map([...table(pages.values(), (r) => `${r.key}|${r.windowStart}`)].map(([k, r]) => [k, r.value]));
    const countsOf = (upTo: number) => {
      const counts = new Map<string, number>();
      for (const e of events.slice(0, upTo)) {
        const key = `${e.page_url}|${Math.floor(Date.parse(e.event_time) / MIN) * MIN}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      return counts;
    };
    const holds = (expected: Map<string, number>) => () => [...expected].every(([k, n]) => pageTable().get(k) === n) && pageTable().size === expected.size;

    await send(0, 300);
    const first = await start();
    await waitFor(holds(countsOf(300)), 60_000, 'the first instance to count the first half');
    await first.stop();
    await send(300, 600);
    // Before: the restored watermarks went to the repartition topic before any transaction was
    // open, and the runtime failed at every start ('kafka producer: no open transaction').
    const second = await start();
    await waitFor(holds(countsOf(600)), 60_000, 'the restarted instance to count the second half');
    expect(second.metrics().state).toBe('running');
    await second.stop();
    expect(pageTable()).toEqual(countsOf(600));
  });
});
