import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { localBackend, sinkThread, streams } from '../../../src';
import { KafkaStreams } from '../../../src/connectors/kafka';
import type { RetryOptions } from '../../../src/connectors/postgres';
import { event, sourceOptions } from '../../support/events';
import { groupOffsets } from '../../support/group-offsets';
import { scratchTopics } from '../../support/scratch-topics';
import { brokers, produce, uniqueName, waitFor } from '../../support/kafka';
import { DATABASE_URL, recordingLogger, scratchSchema, type LogLine, type Scratch } from './scratch-db';
import { auditSink } from './audit-sink';
import { tcpProxy, type TcpProxy } from './tcp-proxy';

// PostgreSQL failing under a running KafkaStreams app, on the real broker and server: what lands
// in the table, what the consumer group commits, and how the app ends. The sink's own retry and
// classification are tested in failures.test.ts; this is what a user of the runtime sees.

jest.setTimeout(60_000);

let scratch: Scratch;
let proxy: TcpProxy;
let stateDir: string;
beforeAll(async () => {
  scratch = await scratchSchema('runtime_failures');
  // A user named 'bad' is the one row the table refuses: a permanent error on one record.
  await scratch.admin.query(`create table audit_events (
    event_time timestamptz primary key,
    user_id    text not null constraint no_bad_users check (user_id <> 'bad'),
    page_url   text not null)`);
  const target = new URL(DATABASE_URL);
  proxy = await tcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
});
afterAll(async () => {
  await proxy.down();
  await scratch.drop();
});
beforeEach(async () => {
  await scratch.admin.query(`truncate audit_events; alter table audit_events drop constraint if exists no_bad_users;
    alter table audit_events add constraint no_bad_users check (user_id <> 'bad')`);
  stateDir = await mkdtemp(join(tmpdir(), 'pg-runtime-failures-'));
});
afterEach(() => rm(stateDir, { recursive: true, force: true }));
const topics = scratchTopics();
afterEach(() => topics.dropAll());

/** Event `i` of the tests: one a second, user `u<i>`, so a row tells which input offset it came from. */
const eventAt = (i: number, user = `u${i}`) => ({ value: JSON.stringify(event(i * 1000, { user_id: user })), key: user });
const users = async () => (await scratch.rows<{ user_id: string }>('select user_id from audit_events order by event_time')).map((r) => r.user_id);
const expectedUsers = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `u${from + i}`);

/** A connection string to the scratch schema, with extra session settings (`-c name=value`). */
function urlWith(settings: string, base = scratch.url): string {
  const url = new URL(base);
  url.searchParams.set('options', `${url.searchParams.get('options') ?? ''} ${settings}`.trim());
  return url.toString();
}

/** The scratch database through the proxy, which the tests take down and bring back. */
function proxiedUrl(): string {
  const url = new URL(scratch.url);
  url.hostname = '127.0.0.1';
  url.port = String(proxy.port);
  return url.toString();
}

interface Running {
  readonly runtime: KafkaStreams;
  readonly applicationId: string;
  readonly input: string;
  readonly lines: LogLine[];
  /** Stops the runtime, if it still runs (its sinks' pools close with them). */
  end(): Promise<void>;
}

interface RunOptions {
  readonly input: string;
  readonly applicationId: string;
  readonly url: string;
  readonly retry?: RetryOptions;
  readonly applicationName?: string;
  /** The sink in a sink thread rather than on the engine's thread. */
  readonly thread?: boolean;
  /** librdkafka settings of the runtime's clients. */
  readonly kafka?: Record<string, string | number | boolean>;
}

/** The app under test: every event of `input` upserted into audit_events, committed every 100 ms. */
async function run(options: RunOptions): Promise<Running> {
  const args = {
    url: options.url,
    retry: options.retry ?? { initialDelayMs: 50, maxDelayMs: 400 },
    ...(options.applicationName ? { applicationName: options.applicationName } : {}),
  };
  const sink = options.thread
    ? sinkThread({ name: 'audit' }).sink<typeof auditSink>({ module: require.resolve('./audit-sink'), factory: 'auditSink', args, name: 'audit' })
    : auditSink(args);
  const app = streams({ applicationId: options.applicationId });
  app.source(options.input, sourceOptions).withWatermark('1m').to(sink);
  const logger = recordingLogger();
  const connection = { brokers, config: options.kafka ?? {} };
  const runtime = new KafkaStreams(app, { connection, stateBackend: localBackend({ dir: stateDir }), commitInterval: '100ms', logger });
  await runtime.start();
  return { runtime, applicationId: options.applicationId, input: options.input, lines: logger.lines, end: () => runtime.stop() };
}

/** Waits until the table holds `n` rows and the group has committed offset `n` (one partition). */
async function settled(r: Running, n: number): Promise<void> {
  await waitFor(async () => (await users()).length === n, 20_000, `${n} rows`);
  await waitFor(async () => (await groupOffsets(r.applicationId, r.input, 1))[0] === n, 20_000, `offset ${n} committed`);
}

/** Polls pg_stat_activity until a backend matches (the flush reaches the server asynchronously). */
async function backend(condition: string): Promise<number> {
  let pid: number | undefined;
  await waitFor(async () => (pid = (await scratch.rows<{ pid: number }>(`select pid from pg_stat_activity where ${condition}`))[0]?.pid) !== undefined, 10_000, condition);
  return pid!;
}

/** Runs `during` while another session holds the table locked (access exclusive), and releases it whatever happens. */
async function withTableLocked(during: () => Promise<void>): Promise<void> {
  const locker = new pg.Client({ connectionString: scratch.url });
  await locker.connect();
  try {
    await locker.query('begin; lock table audit_events in access exclusive mode');
    await during();
    await locker.query('commit');
  } finally {
    await locker.end();
  }
}

const warnings = (lines: readonly LogLine[]) => lines.filter((l) => l.level === 'warn').map((l) => `${l.message}: ${String(l.fields['error'])}`);

// The same failures whether the sink runs on the engine's thread or in a sink thread: an error in
// the thread reaches the engine (prefixed with the sink and thread), and stops the commits as well.
describe.each([
  { where: 'in process', thread: false, prefix: '' },
  { where: 'in a sink thread', thread: true, prefix: 'sink audit in sink thread audit: ' },
])('a running app whose PostgreSQL sink ($where) meets', ({ thread, prefix }) => {
  it('its connection terminated mid-flush: retries, writes every row, commits every offset, goes on', async () => {
    const input = uniqueName('pg-kill');
    await topics.create(input, 1);
    await produce(input, Array.from({ length: 10 }, (_, i) => eventAt(i)));
    const applicationName = uniqueName('pg-kill').replace(/-/g, '_');
    const r = await run({ input, applicationId: uniqueName('app'), url: scratch.url, applicationName, thread });
    try {
      await settled(r, 10);
      await withTableLocked(async () => {
        await produce(input, Array.from({ length: 10 }, (_, i) => eventAt(10 + i)));
        // The flush's INSERT waits for the lock: kill its backend there, then let the retry through.
        await backend(`application_name = '${applicationName}' and wait_event_type = 'Lock'`);
        await scratch.admin.query('select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1', [applicationName]);
      });
      await settled(r, 20);
      expect(r.runtime.metrics().state).toBe('running');
    } finally {
      await r.end();
    }
    expect(await users()).toEqual(expectedUsers(0, 20));
    expect(warnings(r.lines)).toContainEqual(expect.stringMatching(/^postgres sink audit_events: flush failed, retrying: .*57P01/));
  });

  it('a row the table refuses (constraint): stops loudly, commits nothing past it, and a restart after the fix loses nothing', async () => {
    const input = uniqueName('pg-constraint');
    await topics.create(input, 1);
    await produce(input, Array.from({ length: 10 }, (_, i) => eventAt(i)));
    const applicationId = uniqueName('app');
    const first = await run({ input, applicationId, url: scratch.url, thread });
    try {
      await settled(first, 10);
      // Offsets 10-14 fine, 15 refused, 16-19 fine.
      await produce(input, Array.from({ length: 10 }, (_, i) => (i === 5 ? eventAt(15, 'bad') : eventAt(10 + i))));
      await expect(first.runtime.done).rejects.toThrow(
        new RegExp(`^${prefix}postgres sink audit_events: a row violates a constraint \\("no_bad_users"\\): .*\\(23514\\)$`),
      );
      expect(first.runtime.metrics().state).toBe('failed');
    } finally {
      await first.end();
    }
    expect(first.lines.filter((l) => l.level === 'error').map((l) => l.message)).toEqual(['kafka streams failed: stopping without committing']);
    // The failed commit's transaction rolled back whole; what is committed is exactly what is written.
    const committed = (await groupOffsets(applicationId, input, 1))[0]!;
    expect(committed).toBeGreaterThanOrEqual(10);
    expect(committed).toBeLessThanOrEqual(15);
    expect(await users()).toEqual(expectedUsers(0, committed));

    // The operator fixes the table; the restart replays from the last commit and writes the rest.
    await scratch.admin.query('alter table audit_events drop constraint no_bad_users');
    const second = await run({ input, applicationId, url: scratch.url, thread });
    try {
      await settled(second, 20);
    } finally {
      await second.end();
    }
    expect(await users()).toEqual([...expectedUsers(0, 15), 'bad', ...expectedUsers(16, 20)]);
  });

  it('the server unreachable mid-run for longer than the retries: stops, commits nothing past what is written, resumes after', async () => {
    const input = uniqueName('pg-down');
    await topics.create(input, 1);
    await produce(input, Array.from({ length: 5 }, (_, i) => eventAt(i)));
    const applicationId = uniqueName('app');
    const first = await run({ input, applicationId, url: proxiedUrl(), retry: { attempts: 3, initialDelayMs: 20, maxDelayMs: 40 }, thread });
    try {
      await settled(first, 5);
      await proxy.down();
      await produce(input, Array.from({ length: 5 }, (_, i) => eventAt(5 + i)));
      await expect(first.runtime.done).rejects.toThrow(new RegExp(`^${prefix}postgres sink audit_events: flush failed after 3 attempts: `));
    } finally {
      await first.end();
      await proxy.up();
    }
    expect((await groupOffsets(applicationId, input, 1))[0]).toBe(5);
    expect(await users()).toEqual(expectedUsers(0, 5));
    const second = await run({ input, applicationId, url: proxiedUrl(), thread });
    try {
      await settled(second, 10);
    } finally {
      await second.end();
    }
    expect(await users()).toEqual(expectedUsers(0, 10));
  });
});

describe('a running app whose PostgreSQL sink meets', () => {
  it('a lock held by another session for a while: waits for it, then writes every row and commits', async () => {
    const input = uniqueName('pg-lock');
    await topics.create(input, 1);
    await produce(input, Array.from({ length: 5 }, (_, i) => eventAt(i)));
    const r = await run({ input, applicationId: uniqueName('app'), url: scratch.url });
    try {
      await settled(r, 5);
      await withTableLocked(async () => {
        await produce(input, Array.from({ length: 5 }, (_, i) => eventAt(5 + i)));
        await new Promise((resolve) => setTimeout(resolve, 1_500));
        // Nothing got past the lock, and nothing was committed past what is in the table.
        expect((await groupOffsets(r.applicationId, input, 1))[0]).toBe(5);
      });
      await settled(r, 10);
      expect(r.runtime.metrics().state).toBe('running');
    } finally {
      await r.end();
    }
    expect(await users()).toEqual(expectedUsers(0, 10));
  });

  it('a lock held longer than max.poll.interval.ms: the group drops the app, which rejoins, resumes from its last commit and writes every row', async () => {
    const input = uniqueName('pg-maxpoll');
    await topics.create(input, 1);
    await produce(input, Array.from({ length: 5 }, (_, i) => eventAt(i)));
    // 10 s, the least librdkafka takes (the runtime's session timeout); 5 minutes by default.
    const r = await run({ input, applicationId: uniqueName('app'), url: scratch.url, kafka: { 'max.poll.interval.ms': 10_000 } });
    try {
      await settled(r, 5);
      await withTableLocked(async () => {
        // A commit takes the first wave and waits for the lock; the second makes the next commit
        // due, and the loop, which may run only one more interval ahead, waits for the first.
        await produce(input, Array.from({ length: 5 }, (_, i) => eventAt(5 + i)));
        await new Promise((resolve) => setTimeout(resolve, 500));
        await produce(input, Array.from({ length: 5 }, (_, i) => eventAt(10 + i)));
        await new Promise((resolve) => setTimeout(resolve, 14_000)); // 4 s past the interval: librdkafka checks it every 0.5-1 s
      });
      await waitFor(async () => (await users()).length === 15, 20_000, '15 rows');
      // The group's offset moves with the next commit: its commits failed while it was out of the group.
      await produce(input, [eventAt(15)]);
      await settled(r, 16);
      expect(r.runtime.metrics().state).toBe('running');
    } finally {
      await r.end();
    }
    expect(await users()).toEqual(expectedUsers(0, 16));
    expect(r.lines.filter((l) => l.level === 'error')).toEqual([]);
    expect(r.lines.filter((l) => l.level === 'warn').map((l) => l.message)).toEqual(
      expect.arrayContaining([
        'the group dropped this instance: nothing was read for max.poll.interval.ms (most likely a commit waiting for a sink); rejoining',
        'partitions lost: released without committing; they resume from the last commit',
      ]),
    );
  });

  it('a statement timeout (the table locked longer than statement_timeout): retries until the lock is gone', async () => {
    const input = uniqueName('pg-timeout');
    await topics.create(input, 1);
    await produce(input, Array.from({ length: 5 }, (_, i) => eventAt(i)));
    const r = await run({ input, applicationId: uniqueName('app'), url: urlWith('-c statement_timeout=200'), retry: { initialDelayMs: 100, maxDelayMs: 400 } });
    try {
      await settled(r, 5);
      await withTableLocked(async () => {
        await produce(input, Array.from({ length: 5 }, (_, i) => eventAt(5 + i)));
        const timedOut = () => r.lines.some((l) => l.level !== 'info' && l.level !== 'debug' && JSON.stringify(l.fields).includes('57014'));
        await waitFor(timedOut, 10_000, 'a timed-out flush');
      });
      expect(r.lines.filter((l) => l.level === 'error').map((l) => l.fields['error'])).toEqual([]);
      await settled(r, 10);
      expect(r.runtime.metrics().state).toBe('running');
    } finally {
      await r.end();
    }
    expect(await users()).toEqual(expectedUsers(0, 10));
    expect(warnings(r.lines)[0]).toMatch(/^postgres sink audit_events: flush failed, retrying: .*statement timeout \(57014\)$/);
  });

  it('the server refusing connections at start: retries the open, then fails the app naming the cause; nothing is committed', async () => {
    const input = uniqueName('pg-refused');
    await topics.create(input, 1);
    await produce(input, Array.from({ length: 3 }, (_, i) => eventAt(i)));
    const applicationId = uniqueName('app');
    await proxy.down();
    let r: Running | undefined;
    try {
      r = await run({ input, applicationId, url: proxiedUrl(), retry: { attempts: 3, initialDelayMs: 20, maxDelayMs: 40 } });
      await expect(r.runtime.done).rejects.toThrow(/^postgres sink audit_events: open failed after 3 attempts: connection refused to 127\.0\.0\.1:\d+ \(ECONNREFUSED\)$/);
      expect(warnings(r.lines).filter((w) => w.startsWith('postgres sink audit_events: open failed, retrying'))).toHaveLength(2);
    } finally {
      await r?.end();
      await proxy.up();
    }
    expect((await groupOffsets(applicationId, input, 1))[0]).toBe(-1001);
  });
});
