import { memoryBackend, memorySink, silentLogger, streams } from '../../../src';
import { deadLetterSink, KafkaStreams } from '../../../src/connectors/kafka';
import { event, sourceOptions } from '../../support/events';
import { scratchTopics } from '../../support/scratch-topics';
import { brokers, consumeAll, produce, uniqueName, waitFor } from '../../support/kafka';

jest.setTimeout(60_000);

// The broker is shared: each test deletes the topics it created, and with them its group's offsets.
const topics = scratchTopics();
afterEach(() => topics.dropAll());

// A record that a producer with librdkafka's default limit (message.max.bytes, 1,000,000) could
// write, but whose dead letter, with its dlq.* headers, is over that limit: librdkafka refused
// it, the runtime stopped, and every restart read it again and stopped again. Its dead letter now
// keeps the first bytes that fit, says so in a header, and processing goes on.

it('a dead letter too large to produce keeps the bytes that fit and a dlq.value.truncated header, and processing goes on', async () => {
  const input = uniqueName('dlq-oversize-in');
  const dlq = uniqueName('dlq-oversize-dlq');
  await Promise.all([topics.create(input, 1), topics.create(dlq, 1)]);
  const huge = Buffer.alloc(999_900, 'x');
  await produce(input, [
    { key: 'k1', value: huge, headers: [{ 'trace-id': 'abc' }] },
    { key: 'u1', value: JSON.stringify(event(0)) },
  ]);

  const app = streams({ applicationId: uniqueName('dlq-oversize-app') });
  const out = memorySink();
  app.source(input, { ...sourceOptions, deadLetter: deadLetterSink({ topic: dlq }) }).withWatermark('1m').to(out);
  const runtime = new KafkaStreams(app, { connection: { brokers }, stateBackend: memoryBackend(), commitInterval: '100ms', logger: silentLogger });
  await runtime.start();
  let failure: unknown;
  runtime.done.catch((error: unknown) => (failure = error));
  try {
    await waitFor(() => failure !== undefined || (runtime.metrics().recordsIn === 2 && runtime.metrics().commits >= 1), 30_000, 'both records and a commit');
  } finally {
    await runtime.stop();
  }
  expect(failure).toBeUndefined();
  expect(runtime.metrics().deadLettered).toBe(1);
  expect(out.records.map((r) => r.value)).toEqual([event(0)]);

  const [letter, ...more] = await consumeAll(dlq, { expected: 1, idleMs: 300 });
  expect(more).toEqual([]);
  const headers = Object.fromEntries((letter!.headers ?? []).flatMap((h) => Object.entries(h).map(([k, v]) => [k, v.toString()])));
  expect(headers).toEqual({
    'trace-id': 'abc',
    'dlq.reason': expect.stringMatching(/^not JSON: /),
    'dlq.topic': input,
    'dlq.partition': '0',
    'dlq.offset': '0',
    'dlq.value.truncated': '999900',
  });
  expect(letter!.key?.toString()).toBe('k1');
  const kept = letter!.value!;
  expect(kept.length).toBeLessThan(huge.length);
  expect(kept.length).toBeGreaterThan(999_000);
  expect(kept.equals(huge.subarray(0, kept.length))).toBe(true);
});
