import { memoryBackend, memorySink, silentLogger, streams } from '../../../src';
import { deadLetterSink, KafkaStreams } from '../../../src/connectors/kafka';
import { sourceOptions } from '../../support/events';
import { scratchTopics } from '../../support/scratch-topics';
import { consumeAll, brokers, produce, uniqueName, waitFor } from '../../support/kafka';

jest.setTimeout(60_000);

// The broker is shared: each test deletes the topics it created, and with them its group's offsets.
const topics = scratchTopics();
afterEach(() => topics.dropAll());

// A dead letter is the record as it was read: its key, its bytes, its timestamp, and its own
// headers (a trace id, a content type, who sent it), which say where to look when it is
// investigated or replayed; the dead-letter headers come after them. Kafka Connect's dead-letter
// queue keeps a record's headers too. They used to be dropped.

it('a dead letter keeps the original record headers, in order, before its dlq.* headers', async () => {
  const input = uniqueName('dlq-headers-in');
  const dlq = uniqueName('dlq-headers-dlq');
  await Promise.all([topics.create(input, 1), topics.create(dlq, 1)]);
  const sentAt = Date.UTC(2024, 0, 1, 12, 0, 0);
  await produce(input, [
    { key: 'k1', value: 'not json', timestamp: sentAt, headers: [{ 'trace-id': 'abc' }, { 'content-type': 'text/plain' }, { 'trace-id': 'def' }] },
  ]);

  const app = streams({ applicationId: uniqueName('dlq-headers-app') });
  app.source(input, { ...sourceOptions, deadLetter: deadLetterSink({ topic: dlq }) }).withWatermark('1m').to(memorySink());
  const runtime = new KafkaStreams(app, { connection: { brokers }, stateBackend: memoryBackend(), commitInterval: '100ms', logger: silentLogger });
  await runtime.start();
  try {
    await waitFor(() => runtime.metrics().deadLettered === 1 && runtime.metrics().commits >= 1, 30_000, 'the dead letter and a commit');
  } finally {
    await runtime.stop();
  }

  const [letter, ...more] = await consumeAll(dlq, { expected: 1, idleMs: 300 });
  expect(more).toEqual([]);
  expect(letter!.key?.toString()).toBe('k1');
  expect(letter!.value?.toString()).toBe('not json');
  expect(letter!.timestamp).toBe(sentAt);
  const headers = (letter!.headers ?? []).map((h) => Object.entries(h).map(([k, v]) => [k, v.toString()])[0]);
  expect(headers).toEqual([
    ['trace-id', 'abc'],
    ['content-type', 'text/plain'],
    ['trace-id', 'def'],
    ['dlq.reason', expect.stringMatching(/^not JSON: /)],
    ['dlq.topic', input],
    ['dlq.partition', '0'],
    ['dlq.offset', '0'],
  ]);
});
