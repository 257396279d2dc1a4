import { KafkaConsumer, Producer } from 'node-rdkafka';
import { memoryBackend, memorySink, silentLogger, streams } from '../../../src';
import { KafkaStreams } from '../../../src/connectors/kafka';
import { disconnectProducer } from '../../../src/connectors/kafka/promisified';
import { event, sourceOptions } from '../../support/events';
import { scratchTopics } from '../../support/scratch-topics';
import { brokers, uniqueName, waitFor } from '../../support/kafka';

jest.setTimeout(60_000);

// The broker is shared: each test deletes the topics it created, and with them its group's offsets.
const topics = scratchTopics();
afterEach(() => topics.dropAll());

// A topic written in transactions (another exactly-once application's output, or this runtime's
// own repartition topics with exactly_once) ends each transaction with a commit marker: an offset
// that holds no record. The runtime counted its position from the records it processed, so once
// caught up it stayed one offset short of the end: lag 1 for good (an alert on lag > 0 never
// cleared), the partition never caught up, so never idle (its windows held open by a quiet
// partition forever), and the group's committed offset one short (lag 1 in every external tool).

async function produceInTransaction(topic: string, values: string[]): Promise<void> {
  const producer = new Producer({ 'metadata.broker.list': brokers, 'transactional.id': uniqueName('tx'), dr_cb: true });
  await new Promise<void>((resolve, reject) => producer.connect({}, (err) => (err ? reject(err) : resolve())));
  try {
    await new Promise<void>((resolve, reject) => producer.initTransactions(10_000, (err) => (err ? reject(err) : resolve())));
    await new Promise<void>((resolve, reject) => producer.beginTransaction((err) => (err ? reject(err) : resolve())));
    for (const value of values) producer.produce(topic, 0, Buffer.from(value), 'u1');
    await new Promise<void>((resolve, reject) => producer.commitTransaction(10_000, (err) => (err ? reject(err) : resolve())));
  } finally {
    await disconnectProducer(producer);
  }
}

async function committedOffset(groupId: string, topic: string): Promise<number | undefined> {
  const consumer = new KafkaConsumer({ 'metadata.broker.list': brokers, 'group.id': groupId, 'enable.auto.commit': false }, {});
  await new Promise<void>((resolve, reject) => consumer.connect({}, (err) => (err ? reject(err) : resolve())));
  try {
    const [tp] = await new Promise<Array<{ offset?: number }>>((resolve, reject) => consumer.committed([{ topic, partition: 0 }], 10_000, (err, tps) => (err ? reject(err) : resolve(tps))));
    return tp?.offset;
  } finally {
    await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
  }
}

it('a partition written in transactions is caught up at its end, past the commit marker: lag 0, idle when quiet, committed to the end', async () => {
  const input = uniqueName('tx-input');
  await topics.create(input, 1);
  // Offsets 0-2: the records; 3: the transaction's commit marker; the log ends at 4.
  await produceInTransaction(input, [0, 1, 2].map((i) => JSON.stringify(event(i * 1000))));
  const applicationId = uniqueName('tx-input-app');
  const app = streams({ applicationId });
  app.source(input, sourceOptions).withWatermark('1m').to(memorySink());
  const runtime = new KafkaStreams(app, { connection: { brokers }, stateBackend: memoryBackend(), commitInterval: '100ms', idleTimeout: '1s', logger: silentLogger });
  await runtime.start();
  try {
    await waitFor(() => runtime.metrics().recordsIn === 3, 30_000, 'the three records');
    await waitFor(() => runtime.metrics().idlePartitions.length === 1, 5_000, 'the partition to go idle').catch(() => undefined);
    expect({ lag: runtime.metrics().lag, idle: runtime.metrics().idlePartitions }).toEqual({ lag: { [`${input}:0`]: 0 }, idle: [`${input}:0`] });
  } finally {
    await runtime.stop();
  }
  expect(await committedOffset(applicationId, input)).toBe(4);
});
