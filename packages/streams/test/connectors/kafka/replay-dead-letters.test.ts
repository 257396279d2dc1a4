import { memorySink, silentLogger, streams, memoryBackend } from '../../../src';
import { deadLetterSink, KafkaStreams, replayDeadLetters } from '../../../src/connectors/kafka';
import { event, sourceOptions, type Event } from '../../support/events';
import { scratchTopics } from '../../support/scratch-topics';
import { brokers, consumeAll, produce, uniqueName, waitFor } from '../../support/kafka';

// Dead letters sent back where they came from once the code or the data is fixed, on the real
// broker: the records as they were (key, bytes, timestamp, headers, partition), and only those
// that can be sent again.

jest.setTimeout(90_000);

const topics = scratchTopics();
afterEach(() => topics.dropAll());

const T = Date.UTC(2024, 0, 1, 12, 0, 0);
const headerPairs = (m: { headers?: ReadonlyArray<Record<string, Buffer | string>> }) => (m.headers ?? []).map((h) => Object.entries(h).map(([k, v]) => [k, v.toString()])[0]);
const letterHeaders = (reason: string, topic: string, partition: number, offset: number): Array<Record<string, string>> => [{ 'dlq.reason': reason }, { 'dlq.topic': topic }, { 'dlq.partition': String(partition) }, { 'dlq.offset': String(offset) }];

it('sends the letters of records read from a source back to their partition, as they were, and skips the others, counted', async () => {
  const source = uniqueName('replay-src');
  const dlq = uniqueName('replay-dlq');
  await Promise.all([topics.create(source, 3), topics.create(dlq, 1)]);
  await produce(dlq, [
    // A record refused twice (sent again once, refused again): its history, the newest reason last.
    { key: 'u1', value: '{"a":1}', timestamp: T, headers: [{ 'trace-id': 't1' }, ...letterHeaders('not JSON: …', source, 2, 7), ...letterHeaders('processing failed in map \'enrich\': boom', source, 2, 40)] },
    { key: 'u2', value: '{"a":2}', timestamp: T + 1, headers: letterHeaders("processing failed in map 'enrich': boom", source, 1, 3) },
    { key: '"u3"', value: '{"key":"u3","value":2}', timestamp: T + 2, headers: letterHeaders("processing failed in map 'label': too many", source, 0, -1) },
    { key: '"/home"', value: '{"v":{},"o":["x",0,1]}', timestamp: T + 3, headers: letterHeaders("processing failed in process 'echo': bad", 'app-by-url-repartition', 0, 5) },
    { key: 'u5', value: '{"a":', timestamp: T + 4, headers: [...letterHeaders('not JSON: …', source, 0, 9), { 'dlq.value.truncated': '2000000' }] },
    { key: 'u6', value: 'no headers', timestamp: T + 5 },
    { key: 'u7', value: '{"a":7}', timestamp: T + 6, headers: letterHeaders('schema: /user_id: Expected string', source, 0, 11) },
  ]);

  const dry = await replayDeadLetters({ connection: { brokers }, topic: dlq, dryRun: true, reason: /^processing failed in map 'enrich'/ });
  expect(dry.letters.map((l) => [l.offset, l.outcome])).toEqual([
    [0, 'sent'],
    [1, 'sent'],
    [2, 'reason does not match'],
    [3, 'reason does not match'],
    [4, 'reason does not match'],
    [5, 'not a dead letter (no dlq.reason header)'],
    [6, 'reason does not match'],
  ]);
  expect(await consumeAll(source, { expected: 0, idleMs: 500 })).toEqual([]);

  const report = await replayDeadLetters({ connection: { brokers }, topic: dlq, logger: silentLogger });
  expect({ read: report.read, sent: report.sent, skipped: report.skipped }).toEqual({
    read: 7,
    sent: 3,
    skipped: {
      'made by a stateful operator (offset -1): no record to send again': 1,
      'read from a repartition topic: send the source record its envelope points at': 1,
      'value truncated to fit the dead-letter topic: the source topic holds the whole record': 1,
      'not a dead letter (no dlq.reason header)': 1,
    },
  });
  const replayed = await consumeAll(source, { expected: 3, idleMs: 500 });
  expect(replayed.map((m) => [m.partition, m.key?.toString(), m.value?.toString(), m.timestamp]).sort()).toEqual([
    [0, 'u7', '{"a":7}', T + 6],
    [1, 'u2', '{"a":2}', T + 1],
    [2, 'u1', '{"a":1}', T],
  ]);
  expect(headerPairs(replayed.find((m) => m.key?.toString() === 'u1')!)).toEqual([
    ['trace-id', 't1'],
    ['dlq.reason', 'not JSON: …'],
    ['dlq.topic', source],
    ['dlq.partition', '2'],
    ['dlq.offset', '7'],
    ['dlq.reason', "processing failed in map 'enrich': boom"],
    ['dlq.topic', source],
    ['dlq.partition', '2'],
    ['dlq.offset', '40'],
  ]);
});

it('closes the loop: a record the code threw on, dead-lettered by a running app, sent again after the fix, comes out', async () => {
  const input = uniqueName('replay-in');
  const dlq = uniqueName('replay-loop-dlq');
  await Promise.all([topics.create(input, 1), topics.create(dlq, 1)]);
  const e = (i: number, user: string) => ({ value: JSON.stringify(event(i * 1000, { user_id: user })), key: user });
  await produce(input, [e(0, 'u0'), e(1, 'poison'), e(2, 'u2')]);
  let fixed = false;
  const out = memorySink<Event>();
  const app = streams({ applicationId: uniqueName('replay-app') });
  app
    .source(input, { ...sourceOptions, deadLetter: deadLetterSink({ topic: dlq }), processingErrors: 'dead-letter' })
    .map((ev: Event) => {
      if (ev.user_id === 'poison' && !fixed) throw new Error('no profile for poison');
      return ev;
    })
    .to(out);
  const runtime = new KafkaStreams(app, { connection: { brokers }, stateBackend: memoryBackend(), commitInterval: '100ms', logger: silentLogger });
  await runtime.start();
  try {
    await waitFor(() => runtime.metrics().deadLettered === 1 && runtime.metrics().sinkRecords[Object.keys(runtime.metrics().sinkRecords)[0]!] === 2, 30_000, 'two records out, one dead-lettered');
    fixed = true;
    const report = await replayDeadLetters({ connection: { brokers }, topic: dlq });
    expect(report.sent).toBe(1);
    await waitFor(() => runtime.metrics().sinkRecords[Object.keys(runtime.metrics().sinkRecords)[0]!] === 3, 30_000, 'the record sent again, out');
  } finally {
    await runtime.stop();
  }
  expect(runtime.metrics().deadLettered).toBe(1);
});
