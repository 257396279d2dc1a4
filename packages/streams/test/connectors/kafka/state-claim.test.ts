import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { count, DirectoryInUseError, localBackend, memorySink, silentLogger, streams, tumbling, type StateBackend, type WindowResult } from '../../../src';
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

  function runtimeOf(input: string, applicationId: string, logger = silentLogger, { lockWait = '1s', backend }: { lockWait?: string; backend?: StateBackend } = {}) {
    const app = streams({ applicationId });
    const counts = memorySink<WindowResult<string, number>>();
    app.source(input, sourceOptions).withWatermark('1m').groupByKey().window(tumbling('1m')).aggregate(count()).to(counts);
    const runtime = new KafkaStreams(app, {
      connection: { brokers },
      stateBackend: backend ?? localBackend({ dir: stateDir, lockWait: lockWait as '1s' }),
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
    const release = await holder.claim!(applicationId);

    // A wait far longer than the test: only the stop can end it.
    const { runtime } = runtimeOf(input, applicationId, silentLogger, { lockWait: '60s' });
    const starting = runtime.start();
    await new Promise((resolve) => setTimeout(resolve, 500));
    const asked = Date.now();
    await runtime.stop();
    await starting;
    expect(Date.now() - asked).toBeLessThan(5_000);
    expect(runtime.metrics().state).toBe('stopped');
    await release();
    // The stopped runtime's wait ended with it: it does not take the state once it is free.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const waits: unknown[] = [];
    await (await localBackend({ dir: stateDir }).claim!(applicationId, { onWait: (w) => waits.push(w), signal: AbortSignal.timeout(1_000) }))();
    expect(waits).toEqual([]);
  });

  it('a start stopped while it waits for the state can be tried again at once, and takes it once free', async () => {
    const input = uniqueName('in');
    await createTopic(input, 1);
    const applicationId = uniqueName('app');
    const release = await localBackend({ dir: stateDir }).claim!(applicationId);
    const { runtime } = runtimeOf(input, applicationId, silentLogger, { lockWait: '60s' });
    const starting = runtime.start();
    await new Promise((resolve) => setTimeout(resolve, 300));
    await runtime.stop();
    await starting;
    await release();
    // The same runtime's next start claims at once: the stopped one left nothing behind.
    await runtime.start();
    await produce(input, [event(1_000, { user_id: 'a' })].map((e) => ({ value: JSON.stringify(e), key: e.user_id })));
    await waitFor(() => runtime.metrics().recordsIn >= 1, 60_000, 'the record');
    await runtime.stop();
  });

  it.each(['a clean stop', 'a failure'] as const)('releases the state after its last write, at %s', async (ending) => {
    const input = uniqueName('in');
    await createTopic(input, 1);
    const applicationId = uniqueName('app');
    const inner = localBackend({ dir: stateDir });
    const order: string[] = [];
    const backend: StateBackend = {
      ...inner,
      claim: async (id, options) => {
        const release = await inner.claim!(id, options);
        return async () => {
          order.push('release');
          await release();
        };
      },
      prepare: async (...args) => {
        await inner.prepare(...args);
        order.push('prepare');
      },
      finalize: async (...args) => {
        if (ending === 'a failure' && order.includes('finalize')) throw new Error('the disk is gone');
        await inner.finalize(...args);
        order.push('finalize');
      },
    };
    const { runtime } = runtimeOf(input, applicationId, silentLogger, { backend });
    await runtime.start();
    await produce(input, [event(1_000, { user_id: 'a' })].map((e) => ({ value: JSON.stringify(e), key: e.user_id })));
    await waitFor(() => order.includes('finalize'), 60_000, 'a first commit');
    await produce(input, [event(2_000, { user_id: 'b' })].map((e) => ({ value: JSON.stringify(e), key: e.user_id })));
    if (ending === 'a clean stop') {
      await waitFor(() => runtime.metrics().recordsIn >= 2, 60_000, 'the second record');
      await runtime.stop();
    } else {
      await expect(runtime.done).rejects.toThrow('the disk is gone');
    }
    expect(order.filter((step) => step === 'release')).toEqual(['release']);
    expect(order.at(-1)).toBe('release');
    // The state is free once it has stopped.
    await (await localBackend({ dir: stateDir }).claim!(applicationId, { signal: AbortSignal.timeout(1_000) }))();
  });
});
