import { closeSync, openSync, writeSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KafkaConsumer } from 'node-rdkafka';
import { listFiles, readLake } from '../connectors/parquet/lake-helpers';
import { scratchSchema, type Scratch } from '../connectors/postgres/scratch-db';
import { brokers, createTopic, produce, uniqueName, waitFor } from '../support/kafka';
import { crashInput, expectedCounts, PARTITIONS, type ConsumedEvent } from './crash-input';
import { killPlan, type Kill } from './crash-plan';
import type { CrashEvent, EnrichedEvent } from './crash-topology';
import { drained, exitOf, startFixture, type Fixture } from './fixture-process';
import { readToEnd } from './read-topic';

// The library's promises across crashes, on the real broker, database and disk: a fixture app
// (crash-app.ts) with all three sinks is SIGKILLed six times at seeded points, restarted each
// time, then drained and stopped with SIGTERM. The outputs are then checked against the input.

jest.setTimeout(150_000);

const EVENTS = 3_000;
/** Fixed seeds: the same input and kill plan every run. CRASH_TEST_SEED=<n> explores others. */
const BASE_SEED = Number(process.env.CRASH_TEST_SEED ?? 0);
/** The cases: a guarantee, and whether the PostgreSQL and lake sinks run in sink threads. */
const CASES = [
  { name: 'at_least_once', guarantee: 'at_least_once', sinkThreads: false, seed: BASE_SEED + 11 },
  { name: 'exactly_once', guarantee: 'exactly_once', sinkThreads: false, seed: BASE_SEED + 23 },
  { name: 'exactly_once-sink-threads', guarantee: 'exactly_once', sinkThreads: true, seed: BASE_SEED + 37 },
] as const;

let scratch: Scratch;
let workDir: string;
const running = new Set<Fixture>();

beforeAll(async () => {
  scratch = await scratchSchema('crash');
  workDir = await mkdtemp(join(tmpdir(), 'streams-crash-'));
});
afterEach(async () => {
  // A failed case must not leave a fixture running.
  for (const fixture of running) fixture.kill('SIGKILL');
  await Promise.all([...running].map((f) => f.exited));
  running.clear();
});
afterAll(async () => {
  await scratch.drop();
  // CRASH_TEST_KEEP=1 keeps the state, lake and fixture logs to look at.
  if (process.env.CRASH_TEST_KEEP === '1') console.log(`crash test: files kept in ${workDir}`);
  else await rm(workDir, { recursive: true, force: true });
});

interface KillReport {
  readonly kill: Kill;
  /** What the process had done when it died (its last progress line). */
  readonly recordsIn: number;
  readonly commits: number;
  readonly committedRecords: number;
}

describe('crash test: SIGKILL at random points, restart, drain', () => {
  it.each(CASES)('$name: PostgreSQL counts, lake and output topic match the input', async ({ name, guarantee, sinkThreads, seed }) => {
    const started = Date.now();
    const input = uniqueName(`crash-in-${name}`);
    const output = uniqueName(`crash-out-${name}`);
    // The output's records carry the events' times (2024): time-based retention would delete them
    // at its next check (every 5 minutes by default), in the middle of a run.
    await Promise.all([createTopic(input, PARTITIONS), createTopic(output, PARTITIONS, { 'retention.ms': '-1' })]);
    await produce(
      input,
      crashInput(EVENTS, seed).map((r) => ({ value: JSON.stringify(r.event), key: r.key, partition: r.partition })),
    );
    await scratch.admin.query('truncate page_view_counts');
    const caseDir = await mkdtemp(join(workDir, `${name}-`));
    const applicationId = uniqueName(`crash-app-${name}`);
    const env = {
      CRASH_APPLICATION_ID: applicationId,
      CRASH_GUARANTEE: guarantee,
      CRASH_BROKERS: brokers,
      CRASH_INPUT_TOPIC: input,
      CRASH_OUTPUT_TOPIC: output,
      CRASH_DATABASE_URL: scratch.url,
      CRASH_LAKE_DIR: join(caseDir, 'lake'),
      CRASH_STATE_DIR: join(caseDir, 'state'),
      CRASH_SINK_THREADS: sinkThreads ? 'on' : 'off',
    };
    const logPath = join(caseDir, 'fixture.log');
    const logFd = openSync(logPath, 'a');
    const start = (extra: Record<string, string> = {}) => {
      writeSync(logFd, `--- start ${new Date().toISOString()} ${JSON.stringify(extra)}\n`);
      const fixture = startFixture({ ...env, ...extra }, logFd);
      running.add(fixture);
      return fixture;
    };
    const explain = async (error: unknown): Promise<never> => {
      const log = (await readFile(logPath, 'utf8')).split('\n').slice(-40).join('\n');
      throw new Error(`${(error as Error).message}\n--- last lines of the fixture log (${logPath}):\n${log}`, { cause: error });
    };

    const kills: KillReport[] = [];
    try {
      for (const kill of killPlan(seed, EVENTS)) {
        const selfKill = kill.kind !== 'startup' && kill.kind !== 'timed';
        const fixture = start(selfKill ? { CRASH_KILL_AT: `${kill.kind}@${kill.records}` } : {});
        if (kill.kind === 'startup') {
          await new Promise((r) => setTimeout(r, kill.delayMs));
          fixture.kill('SIGKILL');
        } else if (kill.kind === 'timed') {
          await waitFor(() => (fixture.progress?.committedRecords ?? 0) >= kill.records, 60_000, `a commit of ${kill.records} records`);
          await new Promise((r) => setTimeout(r, kill.delayMs));
          fixture.kill('SIGKILL');
        }
        const end = await exitOf(fixture, 60_000, `die at ${kill.kind}@${kill.records}`);
        running.delete(fixture);
        expect(end).toEqual({ code: null, signal: 'SIGKILL' });
        if (selfKill) expect(fixture.crashPoint).toBeDefined();
        const p = fixture.progress;
        kills.push({ kill, recordsIn: p?.recordsIn ?? 0, commits: p?.commits ?? 0, committedRecords: p?.committedRecords ?? 0 });
      }

      // The last instance drains the input and stops cleanly.
      const last = start();
      await waitFor(() => drained(last.progress, PARTITIONS), 60_000, 'the input to be drained');
      last.kill('SIGTERM');
      expect(await exitOf(last, 30_000, 'stop after SIGTERM')).toEqual({ code: 0, signal: null });
      running.delete(last);
    } catch (error) {
      await explain(error);
    } finally {
      closeSync(logFd);
    }
    const ranFor = Date.now() - started;

    // The input as the broker holds it: partition and offset of every event.
    const consumed: ConsumedEvent[] = (await readToEnd(input, 'read_committed')).map((m) => ({
      partition: m.partition,
      offset: m.offset,
      event: JSON.parse(m.value!.toString()) as CrashEvent,
    }));
    expect(consumed).toHaveLength(EVENTS);
    const byId = new Map(consumed.map((c) => [c.event.id, c]));

    // PostgreSQL: the counts of a naive computation of the same windows and lateness rule.
    const { counts, late } = expectedCounts(consumed);
    expect(late.length).toBeGreaterThan(0); // the input has late events, and they must stay out
    const rows = await scratch.rows<{ page_url: string; window_start: Date; window_end: Date; view_count: string }>(
      'select page_url, window_start, window_end, view_count from page_view_counts',
    );
    for (const r of rows) expect(r.window_end.getTime() - r.window_start.getTime()).toBe(60_000);
    const table = new Map(rows.map((r) => [`${r.page_url}@${r.window_start.toISOString()}`, Number(r.view_count)]));
    expect(sorted(table)).toEqual(sorted(counts));

    // The lake: every event exactly once in the final files, nothing left in staging.
    const lakeDir = env.CRASH_LAKE_DIR;
    expect((await listFiles(lakeDir)).filter((f) => !/^event_date=\d{4}-\d{2}-\d{2}\/part-[^/]+\.parquet$/.test(f))).toEqual([]);
    const lake = await readLake(lakeDir);
    const inLake = new Map<string, number>();
    const wrongRows: string[] = [];
    for (const row of lake) {
      const at = `${String(row._partition)}:${String(row._offset)}`;
      inLake.set(at, (inLake.get(at) ?? 0) + 1);
      const source = byId.get(String(row.id));
      const expectedDir = `event_date=${source?.event.event_time.slice(0, 10)}/`;
      if (
        source === undefined ||
        row._topic !== input ||
        `${source.partition}:${source.offset}` !== at ||
        (row.event_time as Date).toISOString() !== source.event.event_time ||
        row.user_id !== source.event.user_id ||
        row.page_url !== source.event.page_url ||
        row.event_type !== source.event.event_type ||
        !row.file.startsWith(expectedDir)
      ) {
        wrongRows.push(`${row.file}: ${JSON.stringify(row, (_, v: unknown) => (typeof v === 'bigint' ? Number(v) : v))}`);
      }
    }
    expect({
      missing: consumed.filter((c) => !inLake.has(`${c.partition}:${c.offset}`)).map((c) => c.event.id),
      duplicated: [...inLake].filter(([, n]) => n > 1).map(([at]) => at),
      wrong: wrongRows.slice(0, 5),
    }).toEqual({ missing: [], duplicated: [], wrong: [] });
    expect(lake).toHaveLength(EVENTS);

    // The output topic, as a read_committed consumer sees it.
    const out = await readToEnd(output, 'read_committed');
    const copies = new Map<string, number>();
    for (const m of out) {
      const value = JSON.parse(m.value!.toString()) as EnrichedEvent;
      copies.set(value.id, (copies.get(value.id) ?? 0) + 1);
      expect(value).toEqual({ ...byId.get(value.id)?.event, enriched: true });
      expect(m.key?.toString()).toBe(value.user_id);
    }
    expect(consumed.filter((c) => !copies.has(c.event.id)).map((c) => c.event.id)).toEqual([]);
    const duplicates = out.length - copies.size;
    let visibleUncommitted = '';
    if (guarantee === 'exactly_once') {
      expect(duplicates).toBe(0);
      expect(out).toHaveLength(EVENTS);
      // What the aborted transactions of the killed instances held: seen only by read_uncommitted.
      const raw = await readToEnd(output, 'read_uncommitted');
      visibleUncommitted = `; ${raw.length - EVENTS} records of aborted transactions (read_uncommitted)`;
    }

    // The group's committed offsets are at the end of the input.
    expect(await committedOffsets(applicationId, input)).toEqual(endOffsets(consumed));

    console.log(
      `crash test ${name}: ${kills.length} kills, ${ranFor} ms until the clean stop; ` +
        `output topic: ${out.length} records for ${EVENTS} events, ${duplicates} duplicates${visibleUncommitted}; ` +
        `${counts.size} count rows, ${late.length} late events left out; lake: ${new Set(lake.map((r) => r.file)).size} files\n` +
        kills
          .map(
            (k, i) =>
              `  kill ${i + 1}: ${k.kill.kind}${k.kill.kind === 'startup' ? ` after ${k.kill.delayMs} ms` : ` at ${k.kill.records} records`}` +
              `${k.kill.kind === 'timed' ? ` + ${k.kill.delayMs} ms` : ''}: the process had read ${k.recordsIn} records, made ${k.commits} commits`,
          )
          .join('\n'),
    );
  });
});

function sorted(map: ReadonlyMap<string, number>): Array<[string, number]> {
  return [...map].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function endOffsets(consumed: readonly ConsumedEvent[]): Record<number, number> {
  const end: Record<number, number> = {};
  for (const c of consumed) end[c.partition] = Math.max(end[c.partition] ?? 0, c.offset + 1);
  return end;
}

/** The consumer group's committed offsets of `topic`, by partition. */
async function committedOffsets(groupId: string, topic: string): Promise<Record<number, number>> {
  const consumer = new KafkaConsumer({ 'metadata.broker.list': brokers, 'group.id': groupId, 'enable.auto.commit': false }, {});
  await new Promise<void>((resolve, reject) => consumer.connect({}, (err) => (err ? reject(err) : resolve())));
  try {
    const partitions = Array.from({ length: PARTITIONS }, (_, partition) => ({ topic, partition }));
    const committed = await new Promise<Array<{ partition: number; offset?: number }>>((resolve, reject) =>
      consumer.committed(partitions, 10_000, (err, tps) => (err ? reject(err) : resolve(tps))),
    );
    return Object.fromEntries(committed.map((c) => [c.partition, c.offset ?? -1]));
  } finally {
    await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
  }
}
