import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger, streams } from '../../../src';
import { kafkaSink, KafkaStreams } from '../../../src/connectors/kafka';
import { sourceOptions } from '../../support/events';
import { scratchTopics } from '../../support/scratch-topics';
import { brokers, consumeAll, uniqueName, waitFor } from '../../support/kafka';
import { endOffset, steadyInput } from '../../support/steady-input';

jest.setTimeout(180_000);

// Exactly once while input keeps coming: instances join, and stop right after a rebalance gave
// them partitions. Every stop must leave no transaction open (a read_committed reader would wait
// transaction.timeout.ms, 60 s, for the records after it) and no record lost or written twice.

const topics = scratchTopics();
afterEach(() => topics.dropAll());
const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

it('exactly_once: instances that join and stop right after rebalances under steady input leave every record once, and no transaction open', async () => {
  const input = uniqueName('traffic-in');
  const output = uniqueName('traffic-out');
  await Promise.all([topics.create(input, 3), topics.create(output, 1)]);
  const applicationId = uniqueName('traffic-app');
  topics.track(`${applicationId}-commit-markers`);
  const app = streams({ applicationId });
  app.source(input, sourceOptions).withWatermark('1m').to(kafkaSink({ topic: output, key: (e) => e.user_id }));
  const instances: Array<{ runtime: KafkaStreams; failure: () => unknown }> = [];
  const start = async (instanceId: string) => {
    const stateDir = await mkdtemp(join(tmpdir(), 'traffic-'));
    dirs.push(stateDir);
    const runtime = new KafkaStreams(app, { connection: { brokers }, processingGuarantee: 'exactly_once', instanceId, stateDir, commitInterval: '100ms', logger: silentLogger });
    await runtime.start();
    let failure: unknown;
    runtime.done.catch((error: unknown) => (failure = error));
    const instance = { runtime, failure: () => failure };
    instances.push(instance);
    return instance;
  };
  const stopTimes: number[] = [];
  const stop = async (...some: Array<{ runtime: KafkaStreams }>) => {
    const started = Date.now();
    await Promise.all(some.map((i) => i.runtime.stop()));
    stopTimes.push(Date.now() - started);
  };
  const traffic = steadyInput(input, { records: 10, everyMs: 20, partitions: 3, spacingMs: 10 });
  let sent = 0;
  try {
    const a = await start('a');
    await waitFor(() => a.runtime.metrics().recordsIn > 200, 60_000, 'a to read');
    const b = await start('b');
    await waitFor(() => b.runtime.metrics().assigned.length > 0, 60_000, 'b to get partitions');
    await stop(b); // right after its assignment
    const c = await start('c');
    await waitFor(() => c.runtime.metrics().assigned.length > 0 && c.runtime.metrics().recordsIn > 0, 60_000, 'c to read');
    await stop(a); // its partitions move to c
    const d = await start('d');
    await waitFor(() => d.runtime.metrics().assigned.length > 0, 60_000, 'd to get partitions');
    await stop(c, d);
    sent = await traffic.stop();
    // One more instance writes what is left.
    const e = await start('e');
    await waitFor(() => Object.keys(e.runtime.metrics().lag).length === 3 && Object.values(e.runtime.metrics().lag).every((n) => n === 0), 60_000, 'e to read the rest');
    await stop(e);
  } finally {
    await traffic.stop();
    await Promise.all(instances.map((i) => i.runtime.stop()));
  }
  const [stable, end] = await Promise.all([endOffset(output, 'read_committed'), endOffset(output, 'read_uncommitted')]);
  const users = (await consumeAll(output, { expected: sent, idleMs: 1000, timeoutMs: 30_000 })).map((m) => JSON.parse(m.value!.toString()).user_id as string);
  const seen = new Set(users);
  const missing = Array.from({ length: sent }, (_, i) => `u${i}`).filter((u) => !seen.has(u));
  expect({
    failures: instances.map((i) => i.failure()).filter((f) => f !== undefined),
    slowStops: stopTimes.filter((ms) => ms > 5000),
    openTransaction: stable !== end,
    records: users.length,
    distinct: seen.size,
    missing: missing.slice(0, 10),
  }).toEqual({ failures: [], slowStops: [], openTransaction: false, records: sent, distinct: sent, missing: [] });
});
