import { mkdir, mkdtemp, rm, rmdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { count, DirectoryInUseError, localBackend, memorySink, silentLogger, streams, tumbling, type Sink, type StateBackend, type WindowResult } from '../../../src';
import { KafkaStreams } from '../../../src/connectors/kafka';
import { event, sourceOptions } from '../../support/events';
import { brokers, createTopic, produce, uniqueName, waitFor } from '../../support/kafka';
import { recordingLogger } from '../../support/recording-logger';

jest.setTimeout(120_000);

/**
 * A second single-instance runtime on the same local state refuses to start before it joins the
 * group: the running one is not disturbed, not even by a rebalance.
 */
describe('the claim of the local state, on the real broker', () => {
  let stateDir: string;
  beforeEach(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'state-claim-'));
  });
  afterEach(() => rm(stateDir, { recursive: true, force: true }));

  function runtimeOf(input: string, applicationId: string, logger = silentLogger) {
    const app = streams({ applicationId });
    const counts = memorySink<WindowResult<string, number>>();
    app.source(input, sourceOptions).withWatermark('1m').groupByKey().window(tumbling('1m')).aggregate(count()).to(counts);
    const runtime = new KafkaStreams(app, {
      connection: { brokers },
      stateBackend: localBackend({ dir: stateDir, staleLockAfter: '4s' }),
      commitInterval: '100ms',
      logger,
    });
    return { runtime, counts };
  }

  it('refuses a second runtime on the same state, names the holder, and leaves the first one undisturbed', async () => {
    const input = uniqueName('in');
    await createTopic(input, 3);
    const users = ['a', 'b', 'c', 'd', 'e', 'f'];
    const batch = (from: number) => Array.from({ length: 60 }, (_, i) => event((from + i) * 1000, { user_id: users[i % users.length]! }));
    await produce(input, batch(0).map((e) => ({ value: JSON.stringify(e), key: e.user_id })));
    const applicationId = uniqueName('app');

    const first = runtimeOf(input, applicationId);
    await first.runtime.start();
    await waitFor(() => first.runtime.metrics().recordsIn >= 60 && first.runtime.metrics().assigned.length === 3, 60_000, 'the first runtime running');
    const rebalances = first.runtime.metrics().rebalances;

    const log = recordingLogger();
    const second = runtimeOf(input, applicationId, log.logger);
    const refusal = await second.runtime.start().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refusal).toBeInstanceOf(DirectoryInUseError);
    expect((refusal as Error).message).toContain(`is in use by process ${process.pid}`);
    expect(log.lines).toContainEqual(
      expect.objectContaining({ level: 'warn', message: expect.stringContaining('the local state is held by another process'), fields: expect.objectContaining({ where: join(stateDir, applicationId) }) }),
    );
    expect(second.runtime.metrics().state).toBe('stopped');

    // The first never saw the second in its group, and goes on.
    await produce(input, batch(60).map((e) => ({ value: JSON.stringify(e), key: e.user_id })));
    await waitFor(() => first.runtime.metrics().recordsIn >= 120, 60_000, 'the next records');
    expect(first.runtime.metrics().rebalances).toBe(rebalances);
    expect(first.runtime.metrics().assigned).toHaveLength(3);
    await first.runtime.stop();

    // Stopped, the first released the state: a third runtime takes it at once, and resumes from it.
    const third = runtimeOf(input, applicationId, log.logger);
    const waitsBefore = log.lines.filter((e) => e.message.includes('held by another process')).length;
    await third.runtime.start();
    await produce(input, [event(200_000, { user_id: 'a' })].map((e) => ({ value: JSON.stringify(e), key: e.user_id })));
    await waitFor(() => third.runtime.metrics().recordsIn >= 1, 60_000, 'the third runtime reading');
    await third.runtime.stop();
    expect(third.runtime.metrics().recordsIn).toBe(1);
    expect(log.lines.filter((e) => e.message.includes('held by another process'))).toHaveLength(waitsBefore);
  });

  it('a stop() while the runtime waits for the state ends its start at once', async () => {
    const input = uniqueName('in');
    await createTopic(input, 1);
    const applicationId = uniqueName('app');
    const holder = localBackend({ dir: stateDir });
    const release = await holder.claim!(applicationId, { onLost: () => {} });

    const { runtime } = runtimeOf(input, applicationId);
    const starting = runtime.start();
    await new Promise((resolve) => setTimeout(resolve, 500));
    const asked = Date.now();
    await runtime.stop();
    await starting;
    expect(Date.now() - asked).toBeLessThan(1_000);
    expect(runtime.metrics().state).toBe('stopped');
    await release();
    // The stopped runtime's wait ended with it: it does not take the state once it is free.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const waits: unknown[] = [];
    await (await localBackend({ dir: stateDir }).claim!(applicationId, { onLost: () => {}, onWait: (w) => waits.push(w), signal: AbortSignal.timeout(1_000) }))();
    expect(waits).toEqual([]);
  });

  /** A sink whose flush takes `ms`: a commit stays in flight that long. */
  const slowSink = (ms: number): Sink<unknown> => ({
    kind: 'slow',
    target: 'slow',
    open: async () => ({ write: () => undefined, flush: () => new Promise((resolve) => setTimeout(resolve, ms)), close: async () => undefined }),
  });

  /** The backend's prepares and finalizes that went through, with when. */
  function recordingBackend(inner: StateBackend, done: Array<{ op: string; at: number }>): StateBackend {
    return {
      ...inner,
      claim: inner.claim!.bind(inner),
      prepare: async (...args) => {
        await inner.prepare(...args);
        done.push({ op: 'prepare', at: Date.now() });
      },
      finalize: async (...args) => {
        await inner.finalize(...args);
        done.push({ op: 'finalize', at: Date.now() });
      },
    };
  }

  it('a runtime whose claim is taken over writes no more state, and fails', async () => {
    const input = uniqueName('in');
    await createTopic(input, 1);
    const applicationId = uniqueName('app');
    const app = streams({ applicationId });
    app.source(input, sourceOptions).withWatermark('1m').groupByKey().window(tumbling('1m')).aggregate(count()).to(slowSink(3_000));
    const done: Array<{ op: string; at: number }> = [];
    const log = recordingLogger();
    const runtime = new KafkaStreams(app, {
      connection: { brokers },
      stateBackend: recordingBackend(localBackend({ dir: stateDir, staleLockAfter: '4s' }), done),
      commitInterval: '100ms',
      logger: log.logger,
    });
    await runtime.start();
    await produce(input, [event(1_000, { user_id: 'a' })].map((e) => ({ value: JSON.stringify(e), key: e.user_id })));
    // A commit in flight (its sink's flush takes 3 s) when another process takes the lock over,
    // as one does that found it stale.
    await waitFor(() => done.some((d) => d.op === 'prepare'), 60_000, 'a commit in flight');
    const lock = join(stateDir, applicationId, '.lock');
    await rmdir(lock);
    await mkdir(lock);
    const takenOver = Date.now();
    const failure = await runtime.done.then(
      () => undefined,
      (error: unknown) => error as Error,
    );
    expect(failure?.message).toMatch(/lost the lock of state directory/);
    expect(log.lines).toContainEqual(expect.objectContaining({ level: 'error', message: 'the claim of the local state was lost: stopping without committing' }));
    expect(done.filter((d) => d.at > takenOver)).toEqual([]);
  });

  it('a claim lost during a start that failed does not fail the next start', async () => {
    const input = uniqueName('missing');
    const applicationId = uniqueName('app');
    const app = streams({ applicationId });
    app.source(input, sourceOptions).withWatermark('1m').groupByKey().window(tumbling('1m')).aggregate(count()).to(slowSink(0));
    const inner = localBackend({ dir: stateDir, staleLockAfter: '4s' });
    let first = true;
    const backend: StateBackend = {
      ...inner,
      // The first claim is lost while the start connects; then the start fails (no such topic yet).
      claim: async (id, options) => {
        const release = await inner.claim!(id, options);
        if (first) options.onLost(new Error('lost during the first start'));
        first = false;
        return release;
      },
    };
    const runtime = new KafkaStreams(app, { connection: { brokers }, stateBackend: backend, logger: silentLogger });
    await expect(runtime.start()).rejects.toThrow();
    await createTopic(input, 1);
    await runtime.start();
    const outcome = await Promise.race([
      runtime.done.then(
        () => 'stopped',
        (error: Error) => `failed: ${error.message}`,
      ),
      new Promise((resolve) => setTimeout(() => resolve('running'), 3_000)),
    ]);
    await runtime.stop();
    expect(outcome).toBe('running');
  });
});
