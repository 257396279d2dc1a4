import type { Message } from 'node-rdkafka';
import type { ActivityEvent } from '../../src/events';
import { naiveResults } from '../naive-model';
import { MIN, PARTITIONS, scenario, SESSION_TIMEOUT_MS, T0, WATERMARK_DELAY_MS } from './scenario';
import { startApp, type AppProcess } from './support/app-process';
import { isolatedStack, type IsolatedStack } from './support/isolated-stack';
import { committedOffsets, endOffsets, headersOf, produce, readTopic } from './support/kafka';
import { lakeFiles, readLake, type LakeRow } from './support/lake';
import { scrape, waitFor } from './support/http';

// The real app (its start script, as a child process) on the real stack: Kafka, PostgreSQL, a lake
// directory. Everything is new for each run: topics, database, lake, state, application id.
// The expected tables come from the naive model, an independent computation of the same rules.

jest.setTimeout(90_000);

const records = scenario();
const valid = records.map((partition) => partition.filter((r) => r.event !== undefined));
const invalid = records.flat().filter((r) => r.event === undefined);
const expected = naiveResults(
  valid.map((p) => p.map((r) => r.event!)),
  WATERMARK_DELAY_MS,
  SESSION_TIMEOUT_MS,
);
const ms = (d: Date | null) => (d === null ? null : d.getTime());

interface Results {
  startedAt: number;
  stoppedAt: number;
  health: { status: number; body: { status: string; state: string; assigned: string[]; lag: Record<string, number> } };
  metrics: string;
  exitCode: number | null;
  /** Where each produced record landed, same shape as `records`. */
  offsets: number[][];
  pageViews: Array<{ page_url: string; window_start: Date; window_end: Date; view_count: number }>;
  activeUsers: Array<{ window_start: Date; window_end: Date; active_users: number }>;
  sessions: Array<{ user_id: string; session_start: Date; session_end: Date | null; duration_seconds: number | null; status: string; event_count: number; last_event_time: Date }>;
  lake: LakeRow[];
  lakeFiles: string[];
  enriched: Message[];
  deadLetters: Message[];
  committed: number[];
  inputEnd: number[];
}

describe.each([
  ['at_least_once', 'single-instance', 'on'],
  // Every sink on the engine's thread, as with SINK_THREADS=off.
  ['exactly_once', 'single-instance', 'off'],
  // State in changelog topics and re-keyed records through repartition topics: what several instances run.
  ['at_least_once', 'multi-instance', 'on'],
] as const)('the activity pipeline, end to end on Kafka, PostgreSQL and a lake (%s, %s, sink threads %s)', (guarantee, scaling, sinkThreads) => {
  let stack: IsolatedStack | undefined;
  let app: AppProcess | undefined;
  let input = '';
  let r: Results;

  beforeAll(async () => {
    stack = await isolatedStack({
      WATERMARK_DELAY: `${WATERMARK_DELAY_MS}ms`,
      SESSION_TIMEOUT: `${SESSION_TIMEOUT_MS}ms`,
      PROCESSING_GUARANTEE: guarantee,
      SCALING: scaling,
      SINK_THREADS: sinkThreads,
    }, PARTITIONS);
    const { db, applicationId } = stack;
    input = stack.input;
    const landed = await produce(input, records.flat());
    let i = 0;
    const offsets = records.map((p) => p.map(() => landed[i++]!.offset));

    const startedAt = Date.now();
    app = await startApp(stack.env);
    try {
      const total = records.flat().length;
      const recordsIn = (text: string) => Number(/^streams_records_total (\d+)/m.exec(text)?.[1] ?? 0);
      await waitFor(async () => recordsIn((await scrape(`${app!.baseUrl}/metrics`)).body) >= total, 45_000, `the app to read all ${total} records`);
      // The periodic commit (not only the one at stop) reaches the group's offsets.
      const inputEnd = await endOffsets(input, PARTITIONS);
      await waitFor(async () => (await committedOffsets(applicationId, input, PARTITIONS)).every((o, p) => o === inputEnd[p]), 15_000, 'a commit of every offset');
      const health = await scrape(`${app.baseUrl}/health`);
      const metrics = (await scrape(`${app.baseUrl}/metrics`)).body;
      const exitCode = await app.stop();
      const stoppedAt = Date.now();

      r = {
        startedAt,
        stoppedAt,
        health: { status: health.status, body: JSON.parse(health.body) as Results['health']['body'] },
        metrics,
        exitCode,
        offsets,
        pageViews: await db.query('SELECT page_url, window_start, window_end, view_count FROM page_view_counts'),
        activeUsers: await db.query('SELECT window_start, window_end, active_users FROM active_users'),
        sessions: await db.query('SELECT user_id, session_start, session_end, duration_seconds, status, event_count, last_event_time FROM user_sessions'),
        lake: await readLake(stack.lakeDir),
        lakeFiles: await lakeFiles(stack.lakeDir),
        enriched: await readTopic(stack.enriched, 3, valid.flat().length),
        deadLetters: await readTopic(stack.deadLetter, 1, invalid.length),
        committed: await committedOffsets(applicationId, input, PARTITIONS),
        inputEnd,
      };
    } catch (error) {
      throw new Error(`${(error as Error).message}\n--- app output ---\n${app.output()}`);
    }
  });

  afterAll(async () => {
    await app?.kill();
    await stack?.remove();
  });

  it('serves /health and /metrics while running, commits every offset, and exits 0 on SIGTERM', () => {
    expect(r.health.status).toBe(200);
    expect(r.health.body).toMatchObject({ status: 'ok', state: 'running' });
    // Multi-instance: the repartition topics' partitions are assigned too.
    const ofInput = (id: string) => id.startsWith(`${input}:`);
    expect([...r.health.body.assigned].filter(ofInput).sort()).toEqual([0, 1, 2].map((p) => `${input}:${p}`));
    expect(Object.entries(r.health.body.lag as Record<string, number>).filter(([id]) => ofInput(id)).map(([, lag]) => lag)).toEqual([0, 0, 0]);
    expect(Object.values(r.health.body.lag as Record<string, number>).every((lag) => lag === 0)).toBe(true);

    expect(r.metrics).toMatch(new RegExp(`^streams_records_total ${records.flat().length}$`, 'm'));
    expect(r.metrics).toMatch(new RegExp(`^streams_dead_lettered_total ${invalid.length}$`, 'm'));
    const late = (operator: string) => Number(new RegExp(`^streams_late_records_total\\{operator="${operator}"\\} (\\d+)$`, 'm').exec(r.metrics)?.[1] ?? 0);
    expect({ pageViews: late('page-view-counts'), activeUsers: late('active-users'), sessions: late('session-tracker') }).toEqual(expected.late);

    // The sink thread's own metrics, when the lake and user_sessions run in it.
    const busy = /^streams_sink_thread_busy_seconds_total\{thread="sinks"\} ([\d.e-]+)$/m.exec(r.metrics);
    const heap = /^streams_sink_thread_heap_bytes\{thread="sinks"\} (\d+)$/m.exec(r.metrics);
    if (sinkThreads === 'on') {
      expect(Number(busy?.[1])).toBeGreaterThan(0);
      expect(Number(heap?.[1])).toBeGreaterThan(1_000_000);
    } else {
      expect([busy, heap]).toEqual([null, null]);
    }

    expect(r.exitCode).toBe(0);
    expect(r.committed).toEqual(r.inputEnd);
    expect(r.inputEnd).toEqual(records.map((p) => p.length));
  });

  it('page_view_counts: exactly the naive model’s counts', () => {
    expect(r.pageViews.every((row) => ms(row.window_end)! - ms(row.window_start)! === MIN)).toBe(true);
    expect(new Map(r.pageViews.map((row) => [`${row.page_url}|${ms(row.window_start)}`, row.view_count]))).toEqual(expected.pageViews);
    expect(r.pageViews).toHaveLength(expected.pageViews.size);
  });

  it('active_users: exactly the naive model’s distinct counts', () => {
    expect(r.activeUsers.every((row) => ms(row.window_end)! - ms(row.window_start)! === 5 * MIN)).toBe(true);
    expect(new Map(r.activeUsers.map((row) => [ms(row.window_start)!, row.active_users]))).toEqual(expected.activeUsers);
    expect(r.activeUsers).toHaveLength(expected.activeUsers.size);
  });

  it('user_sessions: exactly the naive model’s sessions, and each hand-written case as intended', () => {
    const table = new Map(r.sessions.map((s) => [`${s.user_id}|${ms(s.session_start)}`, { status: s.status, end: ms(s.session_end), count: s.event_count, last: ms(s.last_event_time)! }]));
    expect(table).toEqual(expected.sessions);
    for (const s of r.sessions) expect(s.duration_seconds).toBe(s.session_end === null ? null : (ms(s.session_end)! - ms(s.session_start)!) / 1000);

    // The cases, written out, so that a wrong naive model cannot hide a wrong pipeline.
    const t = (m: number, s = 0) => T0 + m * MIN + s * 1000;
    const summary = (user: string) =>
      r.sessions
        .filter((s) => s.user_id === user)
        .sort((a, b) => ms(a.session_start)! - ms(b.session_start)!)
        .map((s) => ({ start: ms(s.session_start), status: s.status, end: ms(s.session_end), count: s.event_count, duration: s.duration_seconds }));
    expect(summary('alice')).toEqual([
      { start: t(0), status: 'ended', end: t(1), count: 6, duration: 60 },
      { start: t(5), status: 'timed_out', end: t(5, 30), count: 2, duration: 30 },
    ]);
    expect(summary('dave')).toEqual([
      { start: t(2), status: 'superseded', end: t(2, 30), count: 2, duration: 30 },
      { start: t(3), status: 'ended', end: t(4), count: 4, duration: 60 },
    ]);
    expect(summary('gina')).toEqual([{ start: t(6), status: 'timed_out', end: t(6, 20), count: 2, duration: 20 }]);
    expect(summary('bob')).toEqual([{ start: t(0, 30), status: 'timed_out', end: t(1), count: 2, duration: 30 }]);
    expect(summary('erin')).toEqual([
      { start: t(0, 40), status: 'ended', end: t(3), count: 7, duration: 140 },
      { start: t(9), status: 'timed_out', end: t(9, 30), count: 2, duration: 30 },
    ]);
    expect(summary('carol')).toEqual([{ start: t(1), status: 'timed_out', end: t(2), count: 4, duration: 60 }]);
    expect(summary('frank')).toEqual([{ start: t(11), status: 'timed_out', end: t(11, 30), count: 2, duration: 30 }]);
    expect(summary('flush-0')).toEqual([{ start: t(30), status: 'open', end: null, count: 1, duration: null }]);
    expect(summary('flush-2')).toEqual([{ start: t(30), status: 'open', end: null, count: 1, duration: null }]);
    expect(r.sessions.filter((s) => !/^(alice|bob|carol|dave|erin|frank|gina|flush-\d)$/.test(s.user_id))).toEqual([]);
  });

  it('the lake: every valid event exactly once, in its event date’s directory, named by its partition and offsets', () => {
    // No staging or temp files after a clean stop. The partitions' owner markers (`.owners/`, hidden,
    // no rows) stay: they fence an instance the group dropped (see the lake README, "Several instances").
    expect(r.lakeFiles.filter((f) => !f.startsWith('.owners/') && !/^event_date=\d{4}-\d{2}-\d{2}\/part-[^/]+\.parquet$/.test(f))).toEqual([]);
    expect(r.lakeFiles.filter((f) => f.startsWith('.owners/')).length).toBeGreaterThan(0);
    const expectedRows = valid.flatMap((p, partition) =>
      p.map((rec) => ({ partition, offset: r.offsets[partition]![records[partition]!.indexOf(rec)]!, event: rec.event! })),
    );
    const key = (partition: number, offset: number) => `${partition}@${offset}`;
    const rows = new Map<string, LakeRow>();
    for (const l of r.lake) {
      const k = key(Number(l.row._partition), Number(l.row._offset));
      expect(rows.has(k)).toBe(false);
      rows.set(k, l);
    }
    expect(rows.size).toBe(expectedRows.length);
    for (const { partition, offset, event } of expectedRows) {
      const l = rows.get(key(partition, offset));
      expect(l?.row).toEqual({
        event_time: new Date(event.event_time),
        user_id: event.user_id,
        page_url: event.page_url,
        event_type: event.event_type,
        _topic: input,
        _partition: partition,
        _offset: BigInt(offset),
      });
      const [, date, p, first, last] = /^event_date=([\d-]+)\/part-(?:.+)-(\d+)-(\d+)-(\d+)\.parquet$/.exec(l!.file)!;
      expect(date).toBe(new Date(event.event_time).toISOString().slice(0, 10));
      expect(l!.file).toContain(`/part-${input}-${partition}-`);
      expect(Number(p)).toBe(partition);
      expect(Number(first)).toBeLessThanOrEqual(offset);
      expect(Number(last)).toBeGreaterThanOrEqual(offset);
    }
    expect(r.lakeFiles.some((f) => f.startsWith('event_date=2023-12-31/'))).toBe(true);
  });

  it('enriched_activity: every valid event once (read_committed), keyed by user, with an ISO processing_time', () => {
    const got = r.enriched.map((m) => {
      const { processing_time, ...rest } = JSON.parse(m.value!.toString('utf8')) as Record<string, string>;
      expect(m.key?.toString()).toBe(rest.user_id);
      expect(processing_time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      expect(Date.parse(processing_time!)).toBeGreaterThanOrEqual(r.startedAt);
      expect(Date.parse(processing_time!)).toBeLessThanOrEqual(r.stoppedAt);
      return JSON.stringify(rest);
    });
    const pick = (e: ActivityEvent) => JSON.stringify({ event_time: e.event_time, user_id: e.user_id, page_url: e.page_url, event_type: e.event_type });
    expect(got.sort()).toEqual(valid.flat().map((rec) => pick(rec.event!)).sort());
  });

  it('the dead-letter topic: each invalid record once, its key and bytes as sent, with its reason and origin in headers', () => {
    const sent = records.flatMap((p, partition) => p.map((rec, i) => ({ rec, partition, offset: r.offsets[partition]![i]! }))).filter(({ rec }) => rec.event === undefined);
    const got = r.deadLetters.map((m) => ({ m, h: headersOf(m) })).sort((a, b) => Number(a.h['dlq.partition']) - Number(b.h['dlq.partition']) || Number(a.h['dlq.offset']) - Number(b.h['dlq.offset']));
    expect(got).toHaveLength(sent.length);
    got.forEach(({ m, h }, i) => {
      const { rec, partition, offset } = sent[i]!;
      expect({ topic: h['dlq.topic'], partition: h['dlq.partition'], offset: h['dlq.offset'] }).toEqual({ topic: input, partition: String(partition), offset: String(offset) });
      expect(h['dlq.reason']).toMatch(rec.rejectedFor!);
      expect(m.value === null ? null : Buffer.from(m.value)).toEqual(rec.value);
      expect(m.key === undefined || m.key === null ? null : Buffer.from(m.key).toString('utf8')).toBe(rec.key);
    });
  });
});
