import { Producer } from 'node-rdkafka';
import { disconnectProducer } from '../../../src/connectors/kafka/promisified';
import { brokers, createTopic, uniqueName } from '../../support/kafka';

jest.setTimeout(60_000);

// node-rdkafka's poll touches the native handle with no lock, and its disconnect destroys that
// handle on a worker thread while the poll interval still runs: a poll in that window uses freed
// memory (a crash in CI; reproduced with a core in rd_kafka_q_serve0 under Producer::NodePoll).
// These tests count the polls that start while the native disconnect runs.

/** The native client under node-rdkafka's Producer (not in its typings). */
interface NativeClient {
  poll(): unknown;
  disconnect(cb: (...args: unknown[]) => void): unknown;
}

/**
 * Connects, polls every millisecond, sends a few records, disconnects: polls before the native
 * disconnect, and polls that came during it. The latter are counted and not passed on: a real
 * poll then is the use of freed memory this guards against, and would put the test process at risk.
 */
async function pollsAroundDisconnect(topic: string, disconnect: (producer: Producer) => Promise<void>): Promise<{ before: number; during: number }> {
  const producer = new Producer({ 'metadata.broker.list': brokers, dr_cb: true, 'enable.idempotence': true, 'linger.ms': 5 });
  await new Promise<void>((resolve, reject) => producer.connect({}, (err) => (err ? reject(err) : resolve())));
  producer.setPollInterval(1);
  const native = (producer as unknown as { _client: NativeClient })._client;
  let disconnecting = false;
  let before = 0;
  let during = 0;
  const poll = native.poll.bind(native);
  native.poll = () => {
    if (disconnecting) return void during++;
    before++;
    return poll();
  };
  const nativeDisconnect = native.disconnect.bind(native);
  native.disconnect = (cb) => {
    disconnecting = true;
    return nativeDisconnect((...args) => {
      disconnecting = false;
      cb(...args);
    });
  };
  for (let i = 0; i < 50; i++) producer.produce(topic, null, Buffer.from(String(i)), null);
  await new Promise((resolve) => setTimeout(resolve, 20)); // the interval's polls, before any disconnect
  await disconnect(producer);
  return { before, during };
}

async function sumOver20(topic: string, disconnect: (producer: Producer) => Promise<void>): Promise<{ before: number; during: number }> {
  const total = { before: 0, during: 0 };
  for (let i = 0; i < 20; i++) {
    const { before, during } = await pollsAroundDisconnect(topic, disconnect);
    total.before += before;
    total.during += during;
  }
  return total;
}

describe('disconnecting a producer that polls on an interval', () => {
  let topic = '';
  beforeAll(async () => {
    topic = uniqueName('disconnect-producer');
    await createTopic(topic, 1);
  });

  it('disconnectProducer stops polling before the native disconnect begins', async () => {
    const polls = await sumOver20(topic, disconnectProducer);
    expect(polls.before).toBeGreaterThan(0); // the interval did poll through the counter
    expect(polls.during).toBe(0);
  });

  it("node-rdkafka's own disconnect goes on polling meanwhile (why disconnectProducer exists)", async () => {
    // If this starts failing while polls.before is still counted, node-rdkafka stops its interval
    // itself and the workaround can go.
    const polls = await sumOver20(topic, (p) => new Promise((resolve) => p.disconnect(() => resolve())));
    expect(polls.before).toBeGreaterThan(0);
    expect(polls.during).toBeGreaterThan(0);
  });
});
