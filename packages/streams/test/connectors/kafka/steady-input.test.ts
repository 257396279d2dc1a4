import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger, streams } from '../../../src';
import { kafkaSink, KafkaStreams } from '../../../src/connectors/kafka';
import { sourceOptions } from '../../support/events';
import { scratchTopics } from '../../support/scratch-topics';
import { brokers, uniqueName } from '../../support/kafka';
import { endOffset, steadyInput } from '../../support/steady-input';

jest.setTimeout(90_000);

// A steady input never pauses for the consumer's 100 ms wait, and librdkafka reports the end of a
// partition only when a fetch comes back empty, which a steady input never lets happen. A batch
// then returned only when full: 5,000 records, 25 s at 200 records/s, with no commit meanwhile
// (exactly once, the output stayed invisible to read_committed readers) and stop() waiting as long.

const topics = scratchTopics();
afterEach(() => topics.dropAll());

/** Matchers that print as `>= n` / `<= n` in a failure's diff, beside the numbers received. */
const bound = (text: string, test: (v: number) => boolean) => ({ $$typeof: Symbol.for('jest.asymmetricMatcher'), asymmetricMatch: test, toAsymmetricMatcher: () => text });
const atLeast = (n: number) => bound(`>= ${n}`, (v) => v >= n);
const atMost = (n: number) => bound(`<= ${n}`, (v) => v <= n);

it.each(['exactly_once', 'at_least_once'] as const)('%s: a steady input is committed every interval, and stop() returns at once', async (guarantee) => {
  const input = uniqueName('steady-in');
  const output = uniqueName('steady-out');
  await Promise.all([topics.create(input, 1), topics.create(output, 1)]);
  const applicationId = uniqueName('steady-app');
  topics.track(`${applicationId}-commit-markers`);
  const app = streams({ applicationId });
  app.source(input, sourceOptions).withWatermark('1m').to(kafkaSink({ topic: output, key: (e) => e.user_id }));
  const stateDir = await mkdtemp(join(tmpdir(), 'steady-'));
  const runtime = new KafkaStreams(app, { connection: { brokers }, processingGuarantee: guarantee, stateDir, commitInterval: '200ms', logger: silentLogger });
  const traffic = steadyInput(input, { records: 5, everyMs: 25, partitions: 1, spacingMs: 1 }); // 200/s to partition 0
  try {
    await runtime.start();
    await new Promise((r) => setTimeout(r, 6000));
    const { commits, recordsIn } = runtime.metrics();
    const visible = await endOffset(output, 'read_committed');
    const stopping = Date.now();
    await runtime.stop();
    const stopMs = Date.now() - stopping;
    // 6 s of 200 records/s, committed every 200 ms: many commits, hundreds of records out.
    expect({ commits, recordsIn, visible, stopMs }).toEqual({ commits: atLeast(5), recordsIn: atLeast(300), visible: atLeast(300), stopMs: atMost(5000) });
  } finally {
    await runtime.stop();
    await traffic.stop();
    await rm(stateDir, { recursive: true, force: true });
  }
});
