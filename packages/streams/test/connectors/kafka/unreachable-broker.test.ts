import { KafkaConsumer, Producer } from 'node-rdkafka';
import { connectClient } from '../../../src/connectors/kafka/connect-client';
import { disconnectProducer } from '../../../src/connectors/kafka/promisified';
import { brokers } from '../../support/kafka';
import { recordingLogger } from '../../support/recording-logger';
import { closedPort } from '../../support/closed-port';

jest.setTimeout(30_000);

// librdkafka retries a broker it cannot reach quietly until the connect times out, then says only
// "broker transport failure": the app sat 30 s with no word, then failed without naming the
// address or why. connectClient logs librdkafka's own reason at once and puts it in the error.

const producer = (to: string) => new Producer({ 'metadata.broker.list': to, 'reconnect.backoff.ms': 100, 'reconnect.backoff.max.ms': 1_000 });
const consumer = (to: string) =>
  new KafkaConsumer({ 'metadata.broker.list': to, 'group.id': 'unreachable-broker-test', 'reconnect.backoff.ms': 100, 'reconnect.backoff.max.ms': 1_000 }, {});

it('warns at once with the reason a broker is unreachable, and the timeout names the brokers and the reason', async () => {
  const to = `127.0.0.1:${await closedPort()}`;
  const { logger, lines } = recordingLogger();
  const started = Date.now();
  const client = producer(to);
  const error = await connectClient(client, { client: 'test-producer', brokers: to, timeoutMs: 3_000, logger }).catch((e: Error) => e);
  // Nothing to disconnect: node-rdkafka refuses to disconnect a client that never connected.

  expect(error).toBeInstanceOf(Error);
  expect((error as Error).message).toMatch(
    new RegExp(`^kafka test-producer: could not connect to ${to} \\(waited up to 3 s\\): .*Connect to ipv4#${to} failed: Connection refused.* \\(.*broker transport failure.*\\)$`),
  );
  // What rd.connect's error said stays: librdkafka's code (ERR__TRANSPORT) and the error itself.
  expect((error as { code?: unknown }).code).toBe(-195);
  expect(((error as Error).cause as Error).message).toMatch(/broker transport failure/);
  const warnings = lines.filter((l) => l.level === 'warn');
  expect(warnings[0]).toEqual({
    level: 'warn',
    message: 'cannot reach kafka yet, retrying',
    fields: { client: 'test-producer', brokers: to, reason: expect.stringMatching(`Connect to ipv4#${to} failed: Connection refused`) },
    at: expect.any(Number),
  });
  // At once: librdkafka's first attempt fails in a few ms, against a connect timeout of 3 s.
  expect(warnings[0]!.at - started).toBeLessThan(2_000);
  // At most one warning every 5 s: within 3 s, the first alone, however often librdkafka retried.
  expect(warnings).toHaveLength(1);
});

it('says a host name does not resolve, for a consumer too', async () => {
  const to = 'no-such-broker.invalid:9092';
  const { logger, lines } = recordingLogger();
  const client = consumer(to);
  const error = await connectClient(client, { client: 'test-consumer', brokers: to, timeoutMs: 2_000, logger }).catch((e: Error) => e);

  expect((error as Error).message).toMatch(/^kafka test-consumer: could not connect to no-such-broker\.invalid:9092 \(waited up to 2 s\): .*Failed to resolve 'no-such-broker\.invalid:9092'/);
  expect(lines.filter((l) => l.level === 'warn').map((l) => l.fields.reason)).toEqual([expect.stringContaining("Failed to resolve 'no-such-broker.invalid:9092'")]);
});

it('connects to a reachable broker without a word, and stops listening to its log', async () => {
  const { logger, lines } = recordingLogger();
  const client = producer(brokers);
  await connectClient(client, { client: 'test-producer', brokers, timeoutMs: 10_000, logger });
  try {
    expect(lines).toEqual([]);
    expect(client.listenerCount('event.log')).toBe(0);
  } finally {
    await disconnectProducer(client, 0);
  }
});
