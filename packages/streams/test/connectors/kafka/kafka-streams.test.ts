import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { count, localBackend, memorySink, silentLogger, streams, tumbling, type WindowResult } from '../../../src';
import { deadLetterSink, KafkaProducer, kafkaSink, KafkaStreams } from '../../../src/connectors/kafka';
import { event, MIN, sourceOptions, T0 } from '../../support/events';
import { brokers, consumeAll, createTopic, produce, uniqueName, waitFor } from '../../support/kafka';

jest.setTimeout(120_000);

describe('KafkaStreams on the real broker', () => {
  let stateDir: string;
  beforeEach(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'kafka-streams-'));
  });
  afterEach(async () => {
    await rm(stateDir, { recursive: true, force: true });
  });

  it.each(['at_least_once', 'exactly_once'] as const)('consumes, aggregates, writes to a topic and dead-letters (%s)', async (guarantee) => {
    const input = uniqueName('in');
    const output = uniqueName('out');
    const dlq = uniqueName('dlq');
    await Promise.all([createTopic(input, 3), createTopic(output, 3), createTopic(dlq, 1)]);
    const users = ['a', 'b', 'c', 'd', 'e', 'f'];
    const events = Array.from({ length: 300 }, (_, i) => event(i * 1000, { user_id: users[i % users.length]!, page_url: `/p${i % 4}` }));
    await produce(input, [...events.map((e) => ({ value: JSON.stringify(e), key: e.user_id })), { value: 'not json', key: 'x' }]);

    const app = streams({ applicationId: uniqueName('app') });
    const counts = memorySink<WindowResult<string, number>>();
    const source = app.source(input, { ...sourceOptions, deadLetter: deadLetterSink({ topic: dlq }) }).withWatermark('1m');
    source.map((e) => ({ ...e, seen: true })).to(kafkaSink({ topic: output, key: (e) => e.user_id }));
    source.groupBy((e) => e.page_url).window(tumbling('1m')).aggregate(count()).to(counts);

    const runtime = new KafkaStreams(app, {
      connection: { brokers },
      processingGuarantee: guarantee,
      stateBackend: localBackend({ dir: stateDir }),
      commitInterval: '200ms',
      logger: silentLogger,
    });
    await runtime.start();
    await waitFor(() => runtime.metrics().recordsIn >= 301, 60_000, 'all input records');
    await runtime.stop();

    const out = await consumeAll(output, { expected: 300, idleMs: 500 });
    expect(out).toHaveLength(300);
    expect(new Set(out.map((m) => JSON.parse(m.value!.toString()).event_time)).size).toBe(300);
    for (const m of out) expect(m.key!.toString()).toBe(JSON.parse(m.value!.toString()).user_id);

    const letters = await consumeAll(dlq, { expected: 1, idleMs: 200 });
    expect(letters.map((m) => m.value!.toString())).toEqual(['not json']);
    const headers = Object.assign({}, ...(letters[0]!.headers ?? [])) as Record<string, Buffer>;
    expect(headers['dlq.reason']!.toString()).toMatch(/^not JSON/);
    expect(headers['dlq.topic']!.toString()).toBe(input);

    // Upsert view of the window counts: 300 events over 5 minutes, 4 pages.
    const table = new Map<string, number>();
    for (const r of counts.values()) table.set(`${r.key}@${(r.windowStart - T0) / MIN}`, r.value);
    expect([...table.values()].reduce((a, b) => a + b, 0)).toBe(300);
    expect(table.get('/p0@0')).toBe(15);
  });

  it.each([
    ['at_least_once', 'single-instance', 1],
    ['exactly_once', 'single-instance', 1],
    // The shared producer and the changelogs' transactional one.
    ['at_least_once', 'multi-instance', 2],
  ] as const)('a start that fails (no such source topic) closes the producers it connected and can be tried again (%s, %s)', async (guarantee, scaling, producers) => {
    const input = uniqueName('missing');
    const output = uniqueName('out');
    await createTopic(output, 1);
    const app = streams({ applicationId: uniqueName('app') });
    app.source(input, sourceOptions).withWatermark('1m').map((e) => e).to(kafkaSink({ topic: output, key: (e) => e.user_id }));
    const close = jest.spyOn(KafkaProducer.prototype, 'close');
    try {
      const runtime = new KafkaStreams(app, {
        connection: { brokers },
        processingGuarantee: guarantee,
        scaling,
        ...(scaling === 'single-instance' ? { stateBackend: localBackend({ dir: stateDir }) } : {}),
        logger: silentLogger,
      });
      await expect(runtime.start()).rejects.toThrow(`source topic ${input} does not exist`);
      expect(close).toHaveBeenCalledTimes(producers);
      // Nothing is left half started: the second try fails for the same reason, not "already started".
      await expect(runtime.start()).rejects.toThrow(`source topic ${input} does not exist`);
      expect(close).toHaveBeenCalledTimes(2 * producers);
      await runtime.stop(); // a no-op: nothing runs
    } finally {
      close.mockRestore();
    }
  });
});
