import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KafkaConsumer, Producer } from 'node-rdkafka';
import { silentLogger, streams } from '../../../src';
import { kafkaSink, KafkaStreams } from '../../../src/connectors/kafka';
import { disconnectProducer } from '../../../src/connectors/kafka/promisified';
import { event, sourceOptions } from '../../support/events';
import { scratchTopics } from '../../support/scratch-topics';
import { brokers, uniqueName } from '../../support/kafka';

jest.setTimeout(90_000);

// A steady input never pauses for the consumer's 100 ms wait, and librdkafka reports the end of a
// partition only when a fetch comes back empty, which a steady input never lets happen. A batch
// then returned only when full: 5,000 records, 25 s at 200 records/s, with no commit meanwhile
// (exactly once, the output stayed invisible to read_committed readers) and stop() waiting as long.

const topics = scratchTopics();
afterEach(() => topics.dropAll());

/** 5 records every 25 ms (200/s) to partition 0, until `stop`. */
function steadyInput(topic: string) {
  let stopped = false;
  const done = (async () => {
    const producer = new Producer({ 'metadata.broker.list': brokers, 'linger.ms': 5 });
    await new Promise<void>((resolve, reject) => producer.connect({}, (err) => (err ? reject(err) : resolve())));
    for (let n = 0; !stopped; ) {
      for (let k = 0; k < 5; k++, n++) producer.produce(topic, 0, Buffer.from(JSON.stringify(event(n, { user_id: `u${n}` }))));
      await new Promise((r) => setTimeout(r, 25));
    }
    await disconnectProducer(producer);
  })();
  return { stop: () => ((stopped = true), done) };
}

/** The end a read_committed reader sees: the last stable offset. */
async function lastStableOffset(topic: string): Promise<number> {
  const consumer = new KafkaConsumer({ 'metadata.broker.list': brokers, 'group.id': uniqueName('lso'), 'isolation.level': 'read_committed' }, {});
  await new Promise<void>((resolve, reject) => consumer.connect({}, (err) => (err ? reject(err) : resolve())));
  try {
    return await new Promise<number>((resolve, reject) => consumer.queryWatermarkOffsets(topic, 0, 10_000, (err, o) => (err ? reject(err) : resolve(o.highOffset))));
  } finally {
    await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
  }
}

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
  const traffic = steadyInput(input);
  try {
    await runtime.start();
    await new Promise((r) => setTimeout(r, 6000));
    const { commits, recordsIn } = runtime.metrics();
    const visible = await lastStableOffset(output);
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
