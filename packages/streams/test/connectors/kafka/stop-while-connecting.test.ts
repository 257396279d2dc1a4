import { memoryBackend, memorySink, silentLogger, streams } from '../../../src';
import { KafkaStreams } from '../../../src/connectors/kafka';
import { event, sourceOptions } from '../../support/events';
import { brokers, createTopic, produce, uniqueName, waitFor } from '../../support/kafka';
import { recordingLogger } from '../../support/recording-logger';
import { closedPort } from '../../support/closed-port';

jest.setTimeout(60_000);

// A SIGINT while the broker cannot be reached (a typo in KAFKA_BROKERS, a broker still starting)
// must stop the app then, not after the connect's 30 s of retries with "could not connect" and
// exit 1. Before, stop() during start() did nothing until start() itself gave up.

// The clients still connecting give up at their 30 s connect timeout (node-rdkafka cannot
// disconnect a client that never connected): waited for here, rather than left to hold jest open.
let firstStart: number | undefined;
afterAll(async () => {
  if (firstStart !== undefined) await new Promise((resolve) => setTimeout(resolve, Math.max(0, firstStart! + 31_000 - Date.now())));
});

it.each(['at_least_once', 'exactly_once'] as const)('stop() while start() still connects ends both at once, with nothing started (%s)', async (processingGuarantee) => {
  const { logger, lines } = recordingLogger();
  const app = streams({ applicationId: `stop-while-connecting-${processingGuarantee}` });
  app.source('events', sourceOptions).to(memorySink());
  const brokers = `127.0.0.1:${await closedPort()}`;
  const runtime = new KafkaStreams(app, { connection: { brokers }, processingGuarantee, stateBackend: memoryBackend(), logger });
  firstStart ??= Date.now();
  const started = runtime.start();
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const asked = Date.now();
  await runtime.stop();
  await started; // resolves: a stop is not a failure
  await runtime.done;
  expect(Date.now() - asked).toBeLessThan(3_000);
  expect(runtime.metrics().state).toBe('stopped');
  expect(lines.filter((l) => l.level === 'info').map((l) => l.message)).toContain('stopped before kafka was reached: nothing was read');
});

it('starts again after a stop that ended its start, and reads; once it has run and stopped, it refuses to start again', async () => {
  const input = uniqueName('stop-while-connecting-in');
  await createTopic(input, 1);
  await produce(input, [{ value: JSON.stringify(event(0, { user_id: 'a' })), key: 'a' }]);
  const app = streams({ applicationId: uniqueName('stop-while-connecting-app') });
  const sink = memorySink();
  app.source(input, sourceOptions).to(sink);
  const runtime = new KafkaStreams(app, { connection: { brokers }, stateBackend: memoryBackend(), logger: silentLogger, commitInterval: '200ms' });
  const first = runtime.start();
  await runtime.stop(); // while start() still connects
  await first;
  expect(runtime.metrics().state).toBe('stopped');
  await runtime.start(); // before, it connected and its loop ended at once: the first stop still held
  try {
    await waitFor(() => sink.records.length > 0 || runtime.metrics().state === 'stopped', 20_000, 'the record, or a stop');
    expect(sink.records).toHaveLength(1);
  } finally {
    await runtime.stop();
  }
  await expect(runtime.start()).rejects.toThrow('this KafkaStreams has run and stopped: create a new one to start again');
});

