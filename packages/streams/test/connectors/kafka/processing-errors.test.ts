import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localBackend, ProcessingFailure, silentLogger, streams } from '../../../src';
import { deadLetterSink, kafkaSink, KafkaStreams } from '../../../src/connectors/kafka';
import { event, sourceOptions, type Event } from '../../support/events';
import { groupOffsets } from '../../support/group-offsets';
import { scratchTopics } from '../../support/scratch-topics';
import { brokers, consumeAll, produce, uniqueName, waitFor } from '../../support/kafka';

// The application's code throws on one record, on the real broker: by default the runtime stops
// and commits nothing past it; with processingErrors 'dead-letter' the record lands on the
// dead-letter topic as it was read, with the reason, the others on the output, and the group's
// offset moves past it, so a restart reads it no more. Exactly once, the dead letter commits in
// the transaction with the output and the offsets.

jest.setTimeout(90_000);

let stateDir: string;
beforeEach(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'processing-errors-'));
});
afterEach(() => rm(stateDir, { recursive: true, force: true }));
const scratch = scratchTopics();
afterEach(() => scratch.dropAll());

const eventOf = (i: number, user = `u${i}`) => {
  const e = event(i * 1000, { user_id: user });
  return { value: JSON.stringify(e), key: user, headers: [{ 'trace-id': `t${i}` }] };
};

async function topics() {
  const t = { input: uniqueName('in'), output: uniqueName('out'), dlq: uniqueName('dlq') };
  await Promise.all([scratch.create(t.input, 1), scratch.create(t.output, 1), scratch.create(t.dlq, 1)]);
  return t;
}

function start(t: Awaited<ReturnType<typeof topics>>, applicationId: string, processingErrors: 'stop' | 'dead-letter', guarantee: 'at_least_once' | 'exactly_once') {
  scratch.track(`${applicationId}-commit-markers`);
  const app = streams({ applicationId });
  app
    .source(t.input, { ...sourceOptions, deadLetter: deadLetterSink({ topic: t.dlq }), processingErrors })
    .withWatermark('1m')
    .map((e: Event) => {
      if (e.user_id === 'poison') throw new Error(`no profile for ${e.user_id}`);
      return e;
    }, { name: 'enrich' })
    .to(kafkaSink({ topic: t.output, key: (e) => e.user_id }));
  return new KafkaStreams(app, {
    connection: { brokers },
    processingGuarantee: guarantee,
    stateBackend: localBackend({ dir: stateDir }),
    commitInterval: '100ms',
    logger: silentLogger,
  });
}

const headersOf = (m: { headers?: ReadonlyArray<Record<string, Buffer | string>> }) => (m.headers ?? []).map((h) => Object.entries(h).map(([k, v]) => [k, v.toString()])[0]);

it.each(['at_least_once', 'exactly_once'] as const)("'dead-letter' (%s): the record on the dead-letter topic as read, the rest on the output, the offset past it", async (guarantee) => {
  const t = await topics();
  await produce(t.input, [eventOf(0), eventOf(1, 'poison'), eventOf(2)]);
  const applicationId = uniqueName('app');
  const runtime = start(t, applicationId, 'dead-letter', guarantee);
  await runtime.start();
  try {
    await waitFor(async () => (await groupOffsets(applicationId, t.input, 1))[0] === 3, 30_000, 'offset 3 committed');
    expect(runtime.metrics()).toMatchObject({ deadLettered: 1, processingFailures: { enrich: 1 } });
  } finally {
    await runtime.stop();
  }
  const out = await consumeAll(t.output, { expected: 2, idleMs: 300, isolation: 'read_committed' });
  expect(out.map((m) => m.key?.toString())).toEqual(['u0', 'u2']);
  const [letter, ...more] = await consumeAll(t.dlq, { expected: 1, idleMs: 300, isolation: 'read_committed' });
  expect(more).toEqual([]);
  expect(letter!.key?.toString()).toBe('poison');
  expect(letter!.value?.toString()).toBe(eventOf(1, 'poison').value);
  expect(headersOf(letter!)).toEqual([
    ['trace-id', 't1'],
    ['dlq.reason', "processing failed in map 'enrich': no profile for poison"],
    ['dlq.topic', t.input],
    ['dlq.partition', '0'],
    ['dlq.offset', '1'],
  ]);

  // A restart reads the poison record no more: nothing new on either topic.
  await produce(t.input, [eventOf(3)]);
  const again = start(t, applicationId, 'dead-letter', guarantee);
  await again.start();
  try {
    await waitFor(async () => (await groupOffsets(applicationId, t.input, 1))[0] === 4, 30_000, 'offset 4 committed');
    expect(again.metrics().deadLettered).toBe(0);
  } finally {
    await again.stop();
  }
  expect((await consumeAll(t.output, { expected: 3, idleMs: 300, isolation: 'read_committed' })).map((m) => m.key?.toString())).toEqual(['u0', 'u2', 'u3']);
  expect(await consumeAll(t.dlq, { expected: 1, idleMs: 300, isolation: 'read_committed' })).toHaveLength(1);
});

it("'stop' (the default): the runtime ends with the ProcessingFailure and commits nothing past the record", async () => {
  const t = await topics();
  await produce(t.input, [eventOf(0)]);
  const applicationId = uniqueName('app');
  const runtime = start(t, applicationId, 'stop', 'at_least_once');
  await runtime.start();
  try {
    await waitFor(async () => (await groupOffsets(applicationId, t.input, 1))[0] === 1, 30_000, 'offset 1 committed');
    await produce(t.input, [eventOf(1, 'poison'), eventOf(2)]);
    const failure = await runtime.done.then(() => undefined, (error: unknown) => error);
    expect(failure).toBeInstanceOf(ProcessingFailure);
    expect((failure as Error).message).toBe(
      `the application's code failed in map 'enrich' on the record at ${t.input} partition 0 offset 1: no profile for poison (processingErrors 'dead-letter' on source '${t.input}' would set such records aside)`,
    );
  } finally {
    await runtime.stop();
  }
  expect((await groupOffsets(applicationId, t.input, 1))[0]).toBe(1);
  expect(await consumeAll(t.dlq, { expected: 0, idleMs: 300 })).toEqual([]);
});
