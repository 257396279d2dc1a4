import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import { brokers, createTopic, produce, uniqueName, waitFor } from '../support/kafka';
import { checkCrashRun, describeOutcome } from './crash-checks';
import { crashHarness } from './crash-harness';
import { crashInput, PARTITIONS } from './crash-input';
import { drainedTogether, exitOf, fixtureLauncher, type Fixture, type Progress } from './fixture-process';
import { INSTANCES, multiInstanceKillPlan, type InstanceKill, type InstanceName } from './multi-instance-plan';
import { pacedInput } from './paced-input';

// The library's promises across crashes with several instances (scaling: 'multi-instance': state
// in changelog topics, the counts re-keyed through a repartition topic): two instances of the
// crash fixture share the input while it is being written; one of them is SIGKILLed at a commit
// phase or at a random moment, and either restarted at once or left dead until the other takes
// its partitions; then both drain the input and stop cleanly. The outputs must be what the
// single-instance crash test requires (crash-checks.ts), the lake included: the instances share
// one lake directory, for which the Parquet sink's README promises every committed input record
// once ("Several instances": one writer per input partition, file names carrying it).

jest.setTimeout(180_000);

const EVENTS = 3_000;
/** Written before the instances start; the rest comes while they run (and die). */
const PRELOADED = 300;
/** Fixed seeds: the same input and kill plan every run. CRASH_TEST_SEED=<n> explores others. */
const BASE_SEED = Number(process.env.CRASH_TEST_SEED ?? 0);
/**
 * The cases: a guarantee, the kills (see multiInstanceKillPlan) and the group membership: static
 * (group.instance.id: a restarted instance gets its partitions back at once) or dynamic, the
 * library's default (it joins as a new member, and the group rebalances once the killed member's
 * session has expired). Each guarantee has restarts under both.
 */
const CASES = [
  { name: 'exactly_once', guarantee: 'exactly_once', scenario: 'restarts-and-takeover', membership: 'static', seed: BASE_SEED + 41 },
  { name: 'at_least_once-dynamic', guarantee: 'at_least_once', scenario: 'restarts-and-takeover', membership: 'dynamic', seed: BASE_SEED + 53 },
  { name: 'exactly_once-open-transaction', guarantee: 'exactly_once', scenario: 'takeover-behind-open-transaction', membership: 'static', seed: BASE_SEED + 67 },
  { name: 'exactly_once-takeover-killed-dynamic', guarantee: 'exactly_once', scenario: 'takeover-killed', membership: 'dynamic', seed: BASE_SEED + 79 },
  { name: 'at_least_once-takeover-killed', guarantee: 'at_least_once', scenario: 'takeover-killed', membership: 'static', seed: BASE_SEED + 83 },
] as const;
/** What the instances share: the input's partitions and the repartition topic's (as many). */
const ALL_PARTITIONS = 2 * PARTITIONS;

const harness = crashHarness('crash_multi', 'multi-instance crash test');
const { running } = harness;

interface KillReport {
  readonly kill: InstanceKill;
  /** What the victim had done when it died (its last progress line). */
  readonly recordsIn: number;
  readonly committedRecords: number;
  /** From the kill until both instances shared the partitions again (or the survivor held them all, if the victim stays dead). */
  readonly recoveredMs: number;
}

/** Running, with some of the input's partitions. */
const holdsInput = (progress: Progress | undefined, input: string) => progress?.state === 'running' && progress.assigned.some((id) => id.startsWith(`${input}:`));
const holdsAll = (progress: Progress | undefined) => progress?.state === 'running' && progress.assigned.length === ALL_PARTITIONS;

describe('multi-instance crash test: one of two instances SIGKILLed, taken over or restarted, drained', () => {
  it.each(CASES)('$name: PostgreSQL counts, lake and output topic match the input', async ({ name, guarantee, scenario, membership, seed }) => {
    const started = Date.now();
    const input = uniqueName(`crash-multi-in-${name}`);
    const output = uniqueName(`crash-multi-out-${name}`);
    await Promise.all([createTopic(input, PARTITIONS), createTopic(output, PARTITIONS, { 'retention.ms': '-1' })]);
    const records = crashInput(EVENTS, seed);
    await produce(input, records.slice(0, PRELOADED).map((r) => ({ value: JSON.stringify(r.event), key: r.key, partition: r.partition })));
    await harness.scratch.admin.query('truncate page_view_counts');
    const caseDir = await mkdtemp(join(harness.workDir, `${name}-`));
    const applicationId = uniqueName(`crash-multi-app-${name}`);
    const fixtures = fixtureLauncher(
      {
        CRASH_APPLICATION_ID: applicationId,
        CRASH_GUARANTEE: guarantee,
        CRASH_SCALING: 'multi-instance',
        CRASH_STATIC_MEMBERSHIP: membership === 'static' ? 'on' : 'off',
        CRASH_BROKERS: brokers,
        CRASH_INPUT_TOPIC: input,
        CRASH_OUTPUT_TOPIC: output,
        CRASH_DATABASE_URL: harness.scratch.url,
        CRASH_LAKE_DIR: join(caseDir, 'lake'),
      },
      join(caseDir, 'fixture.log'),
      running,
    );
    const plan = multiInstanceKillPlan(seed, guarantee, scenario);
    const live = new Map<InstanceName, Fixture>();
    /** Starts an instance, armed for the phase of its next kill in the plan (it waits for SIGUSR2). */
    const startInstance = (instance: InstanceName, fromStep: number) => {
      const next = plan.slice(fromStep).find((k) => k.victim === instance && k.kind !== 'timed');
      const fixture = fixtures.start({ CRASH_INSTANCE_ID: instance, ...(next ? { CRASH_KILL_AT: `${next.kind}@signal` } : {}) });
      live.set(instance, fixture);
      return fixture;
    };
    const bothHoldInput = () => INSTANCES.every((i) => holdsInput(live.get(i)?.progress, input));

    // 20 events/s: the input lasts ~135 s, well past the kills even on a loaded machine (a kill
    // waits for the victim's commits, so input must still come: at 40/s it lasted ~67 s, where a
    // case took 61-65 s); the rest is sent at once after them, so the rate does not set the
    // case's length.
    const paced = pacedInput(input, records.slice(PRELOADED), { chunk: 4, everyMs: 200 });
    const kills: KillReport[] = [];
    try {
      for (const instance of INSTANCES) startInstance(instance, 0);
      await waitFor(bothHoldInput, 60_000, 'both instances to share the partitions');

      for (const [step, kill] of plan.entries()) {
        const victim = live.get(kill.victim)!;
        const survivor = live.get(INSTANCES.find((i) => i !== kill.victim)!)!;
        // The victim is at work: it makes commits (a runtime commits only when it processed
        // something). Not the records its commits cover: that sum falls when partitions leave it.
        const before = victim.progress?.commits ?? 0;
        await waitFor(() => (victim.progress?.commits ?? 0) >= before + 3, 30_000, `${kill.victim} to commit more input (${paced.sent} records sent)`);
        if (kill.kind === 'timed') {
          await new Promise((r) => setTimeout(r, kill.delayMs));
          victim.kill('SIGKILL');
        } else {
          victim.kill('SIGUSR2'); // it kills itself in that phase of its next commit
        }
        const end = await exitOf(victim, 30_000, `die at ${kill.kind}`);
        const killedAt = Date.now();
        running.delete(victim);
        expect(end).toEqual({ code: null, signal: 'SIGKILL' });
        if (kill.kind !== 'timed') expect(JSON.parse(victim.crashPoint ?? '{}')).toMatchObject({ phase: kill.kind });
        if (kill.then === 'takeover-killed') {
          // The group expires the victim's session; the survivor dies in the middle of taking its partitions.
          await waitFor(() => survivor.progress?.state === 'rebalancing', 45_000, `the other instance to begin taking ${kill.victim}'s partitions`);
          await new Promise((r) => setTimeout(r, kill.survivorDelayMs));
          survivor.kill('SIGKILL');
          expect(await exitOf(survivor, 30_000, 'die in the takeover')).toEqual({ code: null, signal: 'SIGKILL' });
          running.delete(survivor);
          startInstance(INSTANCES.find((i) => i !== kill.victim)!, step + 1);
        } else if (kill.then === 'takeover') {
          // The group expires the victim's session; the survivor restores its tasks and goes on.
          // Behind a transaction the victim left open, the restore waits up to 30 s more for the broker to abort it (the fixture's transaction.timeout.ms, 20 s, and the broker's 10 s check).
          await waitFor(() => holdsAll(survivor.progress), 100_000, `${kill.victim}'s partitions to move to the other instance`);
          const resumed = survivor.progress!.commits;
          await waitFor(() => survivor.progress!.commits > resumed, 30_000, 'the other instance to commit after taking every partition');
        }
        if (kill.comesBack) {
          startInstance(kill.victim, step + 1);
          await waitFor(bothHoldInput, 45_000, `both instances to share the partitions again after ${kill.victim}'s ${kill.then}`);
        } else {
          live.delete(kill.victim);
        }
        kills.push({ kill, recordsIn: victim.progress?.recordsIn ?? 0, committedRecords: victim.progress?.committedRecords ?? 0, recoveredMs: Date.now() - killedAt });
      }

      // The rest of the input; the live instances drain it, then stop cleanly one after the
      // other; the next takes the partitions of one that stopped (a static member sends no leave
      // request: when its session expires) and drains what it committed as it stopped.
      await paced.rush();
      const remaining = [...live.values()];
      while (remaining.length > 0) {
        await waitFor(() => drainedTogether(remaining.map((f) => f.progress), ALL_PARTITIONS), 60_000, `the input to be drained by ${remaining.length} instance(s)`);
        const stopping = remaining.shift()!;
        stopping.kill('SIGTERM');
        expect(await exitOf(stopping, 30_000, 'stop after SIGTERM')).toEqual({ code: 0, signal: null });
        running.delete(stopping);
      }
    } catch (error) {
      await fixtures.explain(error);
    } finally {
      fixtures.close();
      await paced.rush().catch(() => undefined);
    }
    const ranFor = Date.now() - started;

    const outcome = await checkCrashRun({ input, output, lakeDir: join(caseDir, 'lake'), applicationId, guarantee, scratch: harness.scratch, events: EVENTS });
    console.log(
      `multi-instance crash test ${name}: ${kills.length} kills, ${ranFor} ms until the clean stop; ${describeOutcome(outcome, EVENTS)}\n` +
        kills
          .map(
            (k, i) =>
              `  kill ${i + 1}: ${k.kill.victim} at ${k.kill.kind}${k.kill.kind === 'timed' ? ` + ${k.kill.delayMs} ms` : ''}, then ${k.kill.then}` +
              `${k.kill.then === 'takeover-killed' ? ` (the other killed ${k.kill.survivorDelayMs} ms into it)` : ''}` +
              `${k.kill.comesBack ? '' : ' for good'}: it had read ${k.recordsIn} records, committed ${k.committedRecords}; ` +
              `${k.kill.comesBack ? 'both ran again' : 'the other held every partition'} ${k.recoveredMs} ms later`,
          )
          .join('\n'),
    );
  });
});
