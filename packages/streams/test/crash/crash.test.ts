import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import { brokers, createTopic, produce, uniqueName, waitFor } from '../support/kafka';
import { checkCrashRun, describeOutcome } from './crash-checks';
import { crashHarness } from './crash-harness';
import { crashInput, PARTITIONS } from './crash-input';
import { killPlan, type Kill } from './crash-plan';
import { drained, exitOf, fixtureLauncher } from './fixture-process';

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

const harness = crashHarness('crash', 'crash test');
const { running } = harness;

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
    await harness.scratch.admin.query('truncate page_view_counts');
    const caseDir = await mkdtemp(join(harness.workDir, `${name}-`));
    const applicationId = uniqueName(`crash-app-${name}`);
    const env = {
      CRASH_APPLICATION_ID: applicationId,
      CRASH_GUARANTEE: guarantee,
      CRASH_BROKERS: brokers,
      CRASH_INPUT_TOPIC: input,
      CRASH_OUTPUT_TOPIC: output,
      CRASH_DATABASE_URL: harness.scratch.url,
      CRASH_LAKE_DIR: join(caseDir, 'lake'),
      CRASH_STATE_DIR: join(caseDir, 'state'),
      CRASH_SINK_THREADS: sinkThreads ? 'on' : 'off',
    };
    const fixtures = fixtureLauncher(env, join(caseDir, 'fixture.log'), running);

    const kills: KillReport[] = [];
    try {
      for (const kill of killPlan(seed, EVENTS)) {
        const selfKill = kill.kind !== 'startup' && kill.kind !== 'timed';
        const fixture = fixtures.start(selfKill ? { CRASH_KILL_AT: `${kill.kind}@${kill.records}` } : {});
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
      const last = fixtures.start();
      await waitFor(() => drained(last.progress, PARTITIONS), 60_000, 'the input to be drained');
      last.kill('SIGTERM');
      expect(await exitOf(last, 30_000, 'stop after SIGTERM')).toEqual({ code: 0, signal: null });
      running.delete(last);
    } catch (error) {
      await fixtures.explain(error);
    } finally {
      fixtures.close();
    }
    const ranFor = Date.now() - started;
    const outcome = await checkCrashRun({ input, output, lakeDir: env.CRASH_LAKE_DIR, applicationId, guarantee, scratch: harness.scratch, events: EVENTS });

    console.log(
      `crash test ${name}: ${kills.length} kills, ${ranFor} ms until the clean stop; ${describeOutcome(outcome, EVENTS)}\n` +
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
