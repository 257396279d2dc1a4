import { memorySink, silentLogger, streams, memoryBackend } from '../../../src';
import { deadLetterSink, KafkaStreams, replayDeadLetters, type ReplayedLetter } from '../../../src/connectors/kafka';
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
    // Malformed: no partition a producer could be sent to, no topic.
    { key: 'u8', value: '{"a":8}', timestamp: T + 7, headers: letterHeaders('schema: …', source, 0, 12).map((h) => ('dlq.partition' in h ? { 'dlq.partition': 'x' } : h)) },
    { key: 'u9', value: '{"a":9}', timestamp: T + 8, headers: letterHeaders("processing failed in map 'enrich': boom", '', 0, 13) },
    // An empty key is a key, kept.
    { key: '', value: '{"a":10}', timestamp: T + 9, headers: letterHeaders("processing failed in map 'enrich': boom", source, 0, 14) },
  ]);

  const listed: ReplayedLetter[] = [];
  const dry = await replayDeadLetters({ connection: { brokers }, topic: dlq, dryRun: true, reason: /^processing failed in map 'enrich'/g, onLetter: (l) => listed.push(l) });
  // With the g flag too: a regular expression that remembers where it matched is used afresh.
  expect(listed.map((l) => [l.offset, l.outcome])).toEqual([
    [0, 'send'],
    [1, 'send'],
    [2, 'reason-not-matched'],
    [3, 'reason-not-matched'],
    [4, 'reason-not-matched'],
    [5, 'not-a-dead-letter'],
    [6, 'reason-not-matched'],
    [7, 'reason-not-matched'],
    [8, 'malformed-headers'],
    [9, 'send'],
  ]);
  expect(dry).toEqual({ read: 10, sent: 3, skipped: { 'reason-not-matched': 5, 'not-a-dead-letter': 1, 'malformed-headers': 1 } });
  expect(listed[0]!.from).toEqual({ topic: source, partition: 2, offset: 40 });
  expect(await consumeAll(source, { expected: 0, idleMs: 500 })).toEqual([]);

  const report = await replayDeadLetters({ connection: { brokers }, topic: dlq, logger: silentLogger });
  expect(report).toEqual({
    read: 10,
    sent: 4,
    skipped: { 'made-by-an-operator': 1, 'from-a-repartition-topic': 1, truncated: 1, 'not-a-dead-letter': 1, 'malformed-headers': 2 },
  });
  const replayed = await consumeAll(source, { expected: 4, idleMs: 500 });
  expect(replayed.map((m) => [m.partition, m.key === null || m.key === undefined ? null : m.key.toString(), m.value?.toString(), m.timestamp]).sort()).toEqual([
    [0, '', '{"a":10}', T + 9],
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

it('reads the dead-letter topic to where it ended when it began: letters written meanwhile are not sent', async () => {
  const source = uniqueName('replay-src');
  const dlq = uniqueName('replay-dlq');
  await Promise.all([topics.create(source, 1), topics.create(dlq, 2)]);
  const letter = (i: number, partition: number) => ({ partition, key: `u${i}`, value: `{"i":${i}}`, timestamp: T + i, headers: letterHeaders('not JSON: …', source, 0, i) });
  await produce(dlq, [letter(0, 0)]);
  // Enough that the read takes a while (the producer's queue takes 100,000 at most at once).
  for (let chunk = 0; chunk < 2; chunk++) await produce(dlq, Array.from({ length: 50_000 }, (_, i) => letter(chunk * 50_000 + i + 1, 1)));
  let wrote = false;
  const report = await replayDeadLetters({
    connection: { brokers },
    topic: dlq,
    dryRun: true,
    // As the first batch is read, a running app dead-letters more (a record sent again and refused again).
    onProgress: () => {
      if (wrote) return;
      wrote = true;
      void produce(dlq, [letter(50_000, 0), letter(50_001, 0)]);
    },
  });
  expect(wrote).toBe(true);
  expect(report).toEqual({ read: 100_001, sent: 100_001, skipped: {} });
});

it('rejects, saying what was sent for sure, when a record cannot be sent', async () => {
  const source = uniqueName('replay-src');
  const dlq = uniqueName('replay-dlq');
  await Promise.all([topics.create(source, 2), topics.create(dlq, 1)]);
  await produce(dlq, [
    { key: 'u0', value: '{}', timestamp: T, headers: letterHeaders('x', source, 1, 0) },
    { key: 'u1', value: '{}', timestamp: T, headers: letterHeaders('x', source, 9, 1) }, // no partition 9
  ]);
  // u0 was handed to the producer, u1 refused at once, before any flush: nothing is sure.
  await expect(replayDeadLetters({ connection: { brokers }, topic: dlq })).rejects.toThrow(
    new RegExp(`^replaying ${dlq}: .*Unknown partition.*\\. Sent for sure: 0 records, the letters of none; 1 more were handed to the producer and may or may not have been sent$`),
  );
});
