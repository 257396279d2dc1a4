import { KafkaConsumer, Producer } from 'node-rdkafka';
import * as rd from '../../../src/connectors/kafka/promisified';
import { groupOffsets } from '../../../src/connectors/kafka/resume-positions';
import { brokers, uniqueName } from '../../support/kafka';
import { recordingLogger } from '../../support/recording-logger';
import { scratchTopics } from '../../support/scratch-topics';

jest.setTimeout(90_000);

// Exactly once, an instance killed between sending its offsets to its transaction and committing
// it leaves them pending: the broker answers no offset fetch for them until the transaction ends.
// A restart under the same instance id aborts it at once (same transactional id); under another
// id it waits for transaction.timeout.ms. The start failed at the first 10 s timeout with a bare
// 'Local: Timed out' (found by the operator review); it now waits, saying why.

const topics = scratchTopics();
const consumers: KafkaConsumer[] = [];
const producers: Producer[] = [];
afterEach(async () => {
  await Promise.all([...consumers.splice(0).map((c) => rd.disconnect(c)), ...producers.splice(0).map((p) => rd.disconnectProducer(p))]);
  await topics.dropAll();
});

const call = (f: (cb: (err: unknown) => void) => void) => new Promise<void>((resolve, reject) => f((err) => (err ? reject(err) : resolve())));

/** A consumer of `group`, connected (for its group metadata, and to read the group's offsets). */
async function groupMember(group: string): Promise<KafkaConsumer> {
  const consumer = new KafkaConsumer({ 'metadata.broker.list': brokers, 'group.id': group }, {});
  await rd.connect(consumer as never, 30_000);
  consumers.push(consumer);
  return consumer;
}

/** A transaction holding offset `offset` of `topic`:0 for `group`, left open. */
async function pendingOffsets(group: string, topic: string, offset: number): Promise<Producer> {
  const producer = new Producer({ 'metadata.broker.list': brokers, 'transactional.id': uniqueName('killed-instance'), 'transaction.timeout.ms': 60_000, dr_cb: true });
  await call((cb) => producer.connect({}, cb as never));
  producers.push(producer);
  await call((cb) => producer.initTransactions(10_000, cb));
  await call((cb) => producer.beginTransaction(cb));
  const member = await groupMember(group);
  await call((cb) => producer.sendOffsetsToTransaction([{ topic, partition: 0, offset }], member, 10_000, cb));
  return producer;
}

it('waits for offsets an open transaction holds, then reads them', async () => {
  const topic = uniqueName('pending-offsets');
  await topics.create(topic, 1);
  const group = uniqueName('pending-offsets-group');
  const producer = await pendingOffsets(group, topic, 7);
  const { logger, lines } = recordingLogger();
  const reading = groupOffsets(await groupMember(group), [{ topic, partition: 0 }], { logger, attemptMs: 2_000, waitMs: 60_000 });
  // The transaction ends (here committed) while the reader waits, after longer than one attempt
  // of librdkafka's (2 s here) and than the single 10 s attempt there was: it reads what it committed.
  await new Promise((r) => setTimeout(r, 12_000));
  await call((cb) => producer.commitTransaction(10_000, cb));
  expect(await reading).toEqual(new Map([[`${topic}:0`, 7]]));
  expect(lines.filter((l) => l.level === 'warn').map((l) => l.message)).toContain("the group's committed offsets are not readable yet: waiting");
});

it('gives up after its wait, saying why', async () => {
  const topic = uniqueName('pending-offsets');
  await topics.create(topic, 1);
  const group = uniqueName('pending-offsets-group');
  const producer = await pendingOffsets(group, topic, 3);
  try {
    await expect(groupOffsets(await groupMember(group), [{ topic, partition: 0 }], { waitMs: 5_000, attemptMs: 2_000 })).rejects.toThrow(
      /^the group's committed offsets could not be read in \d+ s: most likely offsets an open Kafka transaction is committing/,
    );
  } finally {
    await call((cb) => producer.abortTransaction(10_000, cb));
  }
});
