import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localBackend, streams } from '../../../src';
import { deadLetterSink, kafkaSink, KafkaStreams } from '../../../src/connectors/kafka';
import { recordingLogger, type LogLine } from '../postgres/scratch-db';
import { event, sourceOptions } from '../../support/events';
import { deleteTopic, groupOffsets } from '../../support/group-offsets';
import { scratchTopics } from '../../support/scratch-topics';
import { brokers, consumeAll, produce, uniqueName, waitFor } from '../../support/kafka';

// Kafka refusing what a running app produces (its output topic, its dead-letter topic), on the
// real broker: how the app ends, what it says, and what the group committed. The promise: nothing
// is committed past a record whose output was not delivered.

jest.setTimeout(60_000);

let stateDir: string;
beforeEach(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'produce-failures-'));
});
afterEach(() => rm(stateDir, { recursive: true, force: true }));
const scratch = scratchTopics();
afterEach(() => scratch.dropAll());

/**
 * Event `i`: user `u<i>`; with `pageBytes`, a page URL of that many random characters, which make
 * a record that large even compressed (the broker's limits apply to compressed batches).
 */
const eventAt = (i: number, pageBytes?: number) => {
  const page = pageBytes === undefined ? `/${i}` : `/${noise(pageBytes)}`;
  const e = event(i * 1000, { user_id: `u${i}`, page_url: page });
  return { value: JSON.stringify(e), key: e.user_id };
};
const noise = (chars: number) => randomBytes(chars).toString('base64').slice(0, chars);

interface Topics {
  readonly input: string;
  readonly output: string;
  readonly dlq: string;
}

/** The topics of a test: one partition each; `output` and `dlq` take `config` (e.g. a small max.message.bytes). */
async function topics(config: { output?: Record<string, string>; dlq?: Record<string, string> } = {}): Promise<Topics> {
  const t = { input: uniqueName('in'), output: uniqueName('out'), dlq: uniqueName('dlq') };
  await Promise.all([scratch.create(t.input, 1), scratch.create(t.output, 1, config.output), scratch.create(t.dlq, 1, config.dlq)]);
  return t;
}

/** Every event of `input` with its user on `output`; invalid input to `dlq`. */
async function run(t: Topics, applicationId: string, guarantee: 'at_least_once' | 'exactly_once' = 'at_least_once', config: Record<string, string | number | boolean> = {}) {
  scratch.track(`${applicationId}-commit-markers`); // exactly once: the runtime's own topic
  const app = streams({ applicationId });
  app
    .source(t.input, { ...sourceOptions, deadLetter: deadLetterSink({ topic: t.dlq }) })
    .withWatermark('1m')
    .map((e) => ({ ...e, page_again: e.page_url }))
    .to(kafkaSink({ topic: t.output, key: (e) => e.user_id }));
  const logger = recordingLogger();
  const runtime = new KafkaStreams(app, {
    connection: { brokers, config },
    processingGuarantee: guarantee,
    stateBackend: localBackend({ dir: stateDir }),
    commitInterval: '100ms',
    logger,
  });
  await runtime.start();
  return { runtime, lines: logger.lines as LogLine[] };
}

const users = async (topic: string, expected: number) =>
  (await consumeAll(topic, { expected, idleMs: 300, timeoutMs: 5_000 })).map((m) => m.key?.toString());
const expectedUsers = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `u${from + i}`);

/** The error of a flush whose deliveries to `topic` failed (a batch fails as a whole: one record or several). */
const undelivered = (topic: string, why: string) =>
  new RegExp(`^kafka producer: (a record to topic ${topic} \\(partition 0\\) was not delivered|\\d+ records were not delivered, the first to topic ${topic} \\(partition 0\\)): ${why}$`);

describe('a running app whose Kafka output is refused', () => {
  it.each(['at_least_once', 'exactly_once'] as const)('a record too large for the output topic (%s): stops naming the topic, commits nothing past it', async (guarantee) => {
    const t = await topics({ output: { 'max.message.bytes': '1024' } });
    await produce(t.input, Array.from({ length: 5 }, (_, i) => eventAt(i)));
    const applicationId = uniqueName('app');
    const { runtime } = await run(t, applicationId, guarantee);
    try {
      await waitFor(async () => (await groupOffsets(applicationId, t.input, 1))[0] === 5, 20_000, 'offset 5 committed');
      await produce(t.input, [eventAt(5), eventAt(6, 2_000), eventAt(7)]);
      await expect(runtime.done).rejects.toThrow(undelivered(t.output, 'message size too large'));
    } finally {
      await runtime.stop();
    }
    const committed = (await groupOffsets(applicationId, t.input, 1))[0]!;
    expect(committed).toBeGreaterThanOrEqual(5);
    expect(committed).toBeLessThanOrEqual(6);
    // Exactly once, the output of the failed transaction is aborted: what is there is what is committed.
    const out = await users(t.output, committed);
    if (guarantee === 'exactly_once') expect(out).toEqual(expectedUsers(0, committed));
    else expect(out.slice(0, committed)).toEqual(expectedUsers(0, committed));
  });

  it('a dead letter too large for the dead-letter topic: stops naming the topic, commits nothing past it', async () => {
    const t = await topics({ dlq: { 'max.message.bytes': '1024' } });
    await produce(t.input, Array.from({ length: 5 }, (_, i) => eventAt(i)));
    const applicationId = uniqueName('app');
    const { runtime } = await run(t, applicationId);
    try {
      await waitFor(async () => (await groupOffsets(applicationId, t.input, 1))[0] === 5, 20_000, 'offset 5 committed');
      await produce(t.input, [eventAt(5), { value: `not json ${noise(2_000)}`, key: 'junk' }, eventAt(7)]);
      await expect(runtime.done).rejects.toThrow(undelivered(t.dlq, 'message size too large'));
    } finally {
      await runtime.stop();
    }
    const committed = (await groupOffsets(applicationId, t.input, 1))[0]!;
    expect(committed).toBeGreaterThanOrEqual(5);
    expect(committed).toBeLessThanOrEqual(6);
  });

  it('a record larger than the producer takes (message.max.bytes): stops naming the topic, commits nothing past it', async () => {
    const t = await topics();
    await produce(t.input, Array.from({ length: 5 }, (_, i) => eventAt(i)));
    const applicationId = uniqueName('app');
    const { runtime } = await run(t, applicationId);
    try {
      await waitFor(async () => (await groupOffsets(applicationId, t.input, 1))[0] === 5, 20_000, 'offset 5 committed');
      // 600 kB in, 1.2 MB out (the app repeats the page): over librdkafka's message.max.bytes (1,000,000).
      await produce(t.input, [eventAt(5), eventAt(6, 600_000), eventAt(7)]);
      await expect(runtime.done).rejects.toThrow(
        new RegExp(`^kafka producer: cannot send a record of \\d+ bytes to topic ${t.output}: larger than the producer's message.max.bytes$`),
      );
    } finally {
      await runtime.stop();
    }
    const committed = (await groupOffsets(applicationId, t.input, 1))[0]!;
    expect(committed).toBeGreaterThanOrEqual(5);
    expect(committed).toBeLessThanOrEqual(6);
  });

  it('its output topic deleted mid-run (no auto-creation): stops naming the topic, commits nothing past what was delivered', async () => {
    const t = await topics();
    await produce(t.input, Array.from({ length: 5 }, (_, i) => eventAt(i)));
    const applicationId = uniqueName('app');
    // A cluster that does not create topics on demand (production ones often do not; the local stack
    // does, and would quietly make a new, empty topic). librdkafka gives up on a topic it cannot find
    // after topic.metadata.propagation.max.ms (30 s by default).
    const { runtime } = await run(t, applicationId, 'at_least_once', { 'allow.auto.create.topics': false, 'topic.metadata.propagation.max.ms': 1_000 });
    try {
      await waitFor(async () => (await groupOffsets(applicationId, t.input, 1))[0] === 5, 20_000, 'offset 5 committed');
      await deleteTopic(t.output);
      await produce(t.input, Array.from({ length: 5 }, (_, i) => eventAt(5 + i)));
      await expect(runtime.done).rejects.toThrow(undelivered(t.output, 'unknown (topic|partition)'));
    } finally {
      await runtime.stop();
    }
    expect((await groupOffsets(applicationId, t.input, 1))[0]).toBe(5);
  });
});
