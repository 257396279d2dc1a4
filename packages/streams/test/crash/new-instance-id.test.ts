import { join } from 'node:path';
import { brokers, createTopic, produce, uniqueName, waitFor } from '../support/kafka';
import { checkCrashRun, describeOutcome } from './crash-checks';
import { crashHarness } from './crash-harness';
import { crashInput, PARTITIONS } from './crash-input';
import { drained, exitOf, fixtureLauncher } from './fixture-process';

// Exactly once, single instance: killed between its Kafka transaction's commit and its state's
// finalize, then restarted on the same state under another instance id, as a recreated container
// is (the default instance id is the host name). The restart must take the commit for committed
// and not write its output again. It once looked for the commit marker under its own, new id,
// found none, discarded the committed state and wrote the commit's records to the output twice.

jest.setTimeout(150_000);

const EVENTS = 1_500;

const harness = crashHarness('crash_new_id', 'new instance id test');
const { running } = harness;

it('a restart under a new instance id finds the transaction its predecessor committed before the crash', async () => {
  const input = uniqueName('new-id-in');
  const output = uniqueName('new-id-out');
  await Promise.all([createTopic(input, PARTITIONS), createTopic(output, PARTITIONS, { 'retention.ms': '-1' })]);
  await produce(
    input,
    crashInput(EVENTS, 5).map((r) => ({ value: JSON.stringify(r.event), key: r.key, partition: r.partition })),
  );
  await harness.scratch.admin.query('truncate page_view_counts');
  const applicationId = uniqueName('new-id-app');
  const env = {
    CRASH_APPLICATION_ID: applicationId,
    CRASH_GUARANTEE: 'exactly_once',
    CRASH_BROKERS: brokers,
    CRASH_INPUT_TOPIC: input,
    CRASH_OUTPUT_TOPIC: output,
    CRASH_DATABASE_URL: harness.scratch.url,
    CRASH_LAKE_DIR: join(harness.workDir, 'lake'),
    CRASH_STATE_DIR: join(harness.workDir, 'state'),
    // Each instance id a member of its own: the group must let the killed one go soon.
    CRASH_STATIC_MEMBERSHIP: 'off',
    CRASH_SESSION_TIMEOUT_MS: '6000',
  };
  const fixtures = fixtureLauncher(env, join(harness.workDir, 'fixture.log'), running);
  let finalizing: string | undefined;
  try {
    const first = fixtures.start({ CRASH_INSTANCE_ID: 'host-a', CRASH_KILL_AT: `finalizing@${EVENTS / 3}` });
    expect(await exitOf(first, 60_000, 'die while finalizing')).toEqual({ code: null, signal: 'SIGKILL' });
    running.delete(first);
    finalizing = first.crashPoint;
    const second = fixtures.start({ CRASH_INSTANCE_ID: 'host-b' });
    await waitFor(() => drained(second.progress, PARTITIONS), 90_000, 'the input to be drained');
    second.kill('SIGTERM');
    expect(await exitOf(second, 30_000, 'stop after SIGTERM')).toEqual({ code: 0, signal: null });
    running.delete(second);
  } catch (error) {
    await fixtures.explain(error);
  } finally {
    fixtures.close();
  }
  expect(finalizing).toBeDefined();
  // Exactly once: every event once in the output topic (read_committed), the counts and the lake exact.
  const outcome = await checkCrashRun({ input, output, lakeDir: env.CRASH_LAKE_DIR, applicationId, guarantee: 'exactly_once', scratch: harness.scratch, events: EVENTS });
  console.log(`new instance id after a crash while finalizing (${finalizing}): ${describeOutcome(outcome, EVENTS)}`);
});
