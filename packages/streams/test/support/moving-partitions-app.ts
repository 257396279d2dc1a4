import { count, countDistinct, hopping, memorySink, processor, silentLogger, streams, tumbling, type Logger, type MemorySink, type Sink, type WindowResult } from '../../src';
import { KafkaStreams } from '../../src/connectors/kafka';
import { TopologyTestDriver } from '../../src/testing';
import { brokers, waitFor } from './kafka';
import { event, MIN, sourceOptions, type Event } from './events';

/**
 * A stateful app for the tests where partitions move between instances (scaling
 * 'multi-instance'): windowed counts after a groupBy (through a repartition topic), a distinct
 * count over hopping windows, a session tracker with event-time timers in the source's tasks and a
 * count of each page's views per minute from event-time timers after the groupBy. Every result is written to a memory
 * sink; its table (the last value per key) must not depend on where the partitions ran.
 */

interface OpenSession {
  start: number;
  last: number;
  count: number;
}
export interface Session {
  user: string;
  start: number;
  end: number;
  count: number;
}

/** A user's session ends a minute after its last event: one record per session, from the timer. */
const sessionTracker = processor<Event, Session, OpenSession>({
  name: 'sessions',
  process(_e, ctx) {
    const open = ctx.state.get();
    const next = open ? { ...open, last: ctx.timestamp, count: open.count + 1 } : { start: ctx.timestamp, last: ctx.timestamp, count: 1 };
    ctx.state.set(next);
    ctx.timers.setEventTime('end', next.last + MIN);
  },
  onTimer(_t, ctx) {
    const open = ctx.state.get()!;
    ctx.emit({ user: ctx.key, start: open.start, end: open.last, count: open.count });
    ctx.state.clear();
  },
});

/**
 * A page's views per minute, from an event-time timer at the minute's end. (Not "a page quiet for
 * a minute": after a groupBy, whether the next view comes before that timer fires depends on how
 * the source partitions' records interleave; a minute's views are never late, so never do.)
 */
const viewsPerMinute = processor<Event, PageMinute, Record<string, number>>({
  name: 'views-per-minute',
  process(_e, ctx) {
    const minute = Math.floor(ctx.timestamp / MIN) * MIN;
    const counts = ctx.state.get() ?? {};
    ctx.state.set({ ...counts, [minute]: (counts[minute] ?? 0) + 1 });
    ctx.timers.setEventTime(String(minute), minute + MIN);
  },
  onTimer(timer, ctx) {
    const { [timer.name]: views, ...rest } = ctx.state.get()!;
    ctx.emit({ page: ctx.key, minute: Number(timer.name), views: views! });
    if (Object.keys(rest).length === 0) ctx.state.clear();
    else ctx.state.set(rest);
  },
});

export interface PageMinute {
  page: string;
  minute: number;
  views: number;
}

export interface MovingPartitionsApp {
  readonly app: ReturnType<typeof streams>;
  readonly pages: MemorySink<WindowResult<string, number>>;
  readonly users: MemorySink<WindowResult<null, number>>;
  readonly sessions: MemorySink<Session>;
  readonly perMinute: MemorySink<PageMinute>;
}

/**
 * A sink of every input event whose next flush fails once armed: the commit fails, and the
 * instance that ran it stops without committing (its state and offsets stay at its last commit),
 * as a crash would leave them.
 */
export function crashSwitch(options: { onlyWithEvents?: boolean } = {}): { readonly sink: Sink<Event>; arm(): void; readonly fired: boolean } {
  let armed = false;
  let fired = false;
  const sink: Sink<Event> = {
    kind: 'memory',
    target: 'crash-switch',
    async open() {
      let written = 0;
      return {
        write: (records) => void (written += records.length),
        flush: async () => {
          const held = written;
          written = 0;
          // `onlyWithEvents`: a commit that read no event leaves nothing past it for a new owner to find.
          if (!armed || (options.onlyWithEvents === true && held === 0)) return;
          armed = false;
          fired = true;
          throw new Error('crash switch: this commit fails');
        },
        close: async () => undefined,
      };
    },
  };
  return {
    sink,
    arm: () => void (armed = true),
    get fired() {
      return fired;
    },
  };
}

/** Sinks that get a result stream as well as its memory sink: real sinks whose output follows the partitions. */
export interface AlsoWriteTo {
  /** The per-page window counts (re-keyed: written by the tasks of the repartition topic). */
  readonly pages?: Sink<WindowResult<string, number>>;
  /** Every input event as it was read (written by the tasks of the source partitions). */
  readonly events?: ReadonlyArray<Sink<Event>>;
}

/**
 * `crash`: a sink of every event (see crashSwitch); `sessionsTo`: a sink the sessions are written
 * to as well (a Kafka topic); `also`: more sinks of other results.
 */
export function movingPartitionsApp(applicationId: string, input: string, crash?: Sink<Event>, sessionsTo?: Sink<Session>, also: AlsoWriteTo = {}): MovingPartitionsApp {
  const app = streams({ applicationId });
  const pages = memorySink<WindowResult<string, number>>('pages');
  const users = memorySink<WindowResult<null, number>>('users');
  const sessions = memorySink<Session>('sessions');
  const perMinute = memorySink<PageMinute>('per-minute');
  const events = app.source(input, sourceOptions).withWatermark('1m');
  const byPage = events.groupBy((e) => e.page_url);
  const pageCounts = byPage.window(tumbling('1m')).aggregate(count(), { name: 'page-counts' });
  pageCounts.to(pages);
  if (also.pages) pageCounts.to(also.pages);
  byPage.process(viewsPerMinute).to(perMinute);
  events.window(hopping({ size: '3m', advance: '1m' })).aggregate(countDistinct((e) => e.user_id), { name: 'users' }).to(users);
  const tracked = events.groupByKey().process(sessionTracker);
  tracked.to(sessions);
  if (sessionsTo) tracked.to(sessionsTo);
  if (crash) events.to(crash);
  for (const sink of also.events ?? []) events.to(sink);
  return { app, pages, users, sessions, perMinute };
}

/** An input event and the partition it is written to (a user's events all go to one partition). */
export interface PlacedEvent {
  readonly event: Event;
  readonly partition: number;
}

/**
 * `count` events in bursts of 100 (50 s each, half a second apart) separated by 3-minute pauses,
 * in which sessions end; 7 users, 3 pages; none late.
 */
export function burstyEvents(count: number, partitions: number): PlacedEvent[] {
  return Array.from({ length: count }, (_, i) => {
    const user = i % 7;
    return { event: event(i * 500 + Math.floor(i / 100) * 3 * MIN, { user_id: `user-${user}`, page_url: `/p${i % 3}` }), partition: user % partitions };
  });
}

/** What the app's sinks hold as tables (the last value per key), in a form `toEqual` compares. */
export function tablesOf(app: MovingPartitionsApp, valuesOf: <T>(sink: MemorySink<T>) => T[] = (sink) => sink.values()) {
  const last = <T>(records: T[], key: (r: T) => string) => Object.fromEntries(records.map((r) => [key(r), r]));
  return {
    pages: last(valuesOf(app.pages), (r) => `${r.key}|${r.windowStart}`),
    users: last(valuesOf(app.users), (r) => String(r.windowStart)),
    sessions: last(valuesOf(app.sessions), (r) => `${r.user}|${r.start}`),
    perMinute: last(valuesOf(app.perMinute), (r) => `${r.page}|${r.minute}`),
  };
}

/** The tables one uninterrupted run gives: the in-memory test driver on the same partitions. */
export async function expectedTables(events: readonly PlacedEvent[], input: string, partitions: number) {
  const reference = movingPartitionsApp('reference', input);
  const driver = await TopologyTestDriver.create(reference.app, { partitions, commit: 'manual', idleTimeout: '1h' });
  for (const { event: e, partition } of events) await driver.pipe(input, e, { partition, key: e.user_id });
  await driver.commit();
  const tables = tablesOf(reference, (sink) => driver.values(sink));
  const sessions = driver.values(reference.sessions);
  await driver.close();
  return { tables, sessions };
}

/**
 * Starts an instance of the app as the tests of moving partitions run it (multi-instance, commits
 * every 200 ms, no idle rule) and adds it to `running`, which the tests stop after each. Its
 * failure is left to the test's own checks (a commit made to fail is one of the scenarios).
 */
export async function startInstance(
  app: MovingPartitionsApp,
  guarantee: 'at_least_once' | 'exactly_once',
  instanceId: string,
  running: KafkaStreams[],
  logger: Logger = silentLogger,
): Promise<KafkaStreams> {
  const runtime = new KafkaStreams(app.app, {
    connection: { brokers },
    scaling: 'multi-instance',
    processingGuarantee: guarantee,
    instanceId,
    commitInterval: '200ms',
    idleTimeout: '1h',
    logger,
  });
  await runtime.start();
  runtime.done.catch(() => undefined);
  running.push(runtime);
  return runtime;
}

/** What `moveThroughScenario` needs: how to start an instance and send a part of the input, and the commit to fail. */
export interface MovingScenario {
  readonly input: string;
  readonly partitions: number;
  readonly events: readonly PlacedEvent[];
  send(part: readonly PlacedEvent[]): Promise<void>;
  start(instanceId: string): Promise<KafkaStreams>;
  /** Fails the next commit of whichever instance makes it, once armed. */
  readonly crash: { arm(): void; readonly fired: boolean };
}

/**
 * The moving-partitions scenario, on `events` (900, in parts of 300, 300, 150, 150): a reads the
 * first part; b joins and both read the second; the next commit of one of them fails (it stops
 * without committing, as a crash leaves it) and the other takes every partition; the failed one
 * comes back and both read the last part; the survivor leaves cleanly and the one back takes
 * every partition. Returns the instance still running, for the test to check and stop.
 */
export async function moveThroughScenario(s: MovingScenario): Promise<{ back: KafkaStreams }> {
  const drained = (...runtimes: KafkaStreams[]) => () =>
    runtimes.every((r) => r.metrics().state === 'running' && r.metrics().assigned.length > 0 && Object.values(r.metrics().lag).every((lag) => lag === 0));
  const readAll = (n: number, ...runtimes: KafkaStreams[]) => () => runtimes.reduce((sum, r) => sum + r.metrics().recordsIn, 0) >= n;
  const holdsEvery = (r: KafkaStreams) => r.metrics().assigned.filter((p) => p.startsWith(s.input)).length === s.partitions;

  await s.send(s.events.slice(0, 300));
  const a = await s.start('a');
  await waitFor(drained(a), 60_000, 'a to read the first part');
  const b = await s.start('b');
  await waitFor(drained(a, b), 60_000, 'b to join');
  await s.send(s.events.slice(300, 600));
  await waitFor(() => readAll(600, a, b)() && drained(a, b)(), 60_000, 'a and b to read the second part');

  s.crash.arm();
  await s.send(s.events.slice(600, 750));
  await waitFor(() => s.crash.fired && [a, b].some((r) => r.metrics().state === 'failed'), 60_000, 'a commit to fail');
  const [failed, survivor] = a.metrics().state === 'failed' ? [a, b] : [b, a];
  await waitFor(() => holdsEvery(survivor) && drained(survivor)(), 60_000, 'the survivor to take every partition');

  const back = await s.start(failed === a ? 'a' : 'b');
  await waitFor(drained(back, survivor), 60_000, 'the instance to come back');
  const readBefore = back.metrics().recordsIn + survivor.metrics().recordsIn;
  await s.send(s.events.slice(750));
  await waitFor(() => readAll(readBefore + 150, back, survivor)() && drained(back, survivor)(), 60_000, 'both to read the last part');
  await survivor.stop();
  await waitFor(() => holdsEvery(back) && drained(back)(), 60_000, 'the instance back to take every partition');
  return { back };
}
