import { Producer } from 'node-rdkafka';
import { readPartitions } from '../../../src/connectors/kafka/partition-reader';
import { disconnectProducer } from '../../../src/connectors/kafka/promisified';
import { scratchTopics } from '../../support/scratch-topics';
import { brokers, uniqueName } from '../../support/kafka';

jest.setTimeout(60_000);

// readPartitions reads a partition "to its end": the state restore (checkpoint topic, changelogs)
// and the commit-marker check at start. The checkpoint and marker topics are shared by every
// instance of an app, which write to them in each commit's transaction. librdkafka reports the end
// of a partition only when a fetch comes back empty, which writes every few hundred ms never let
// happen: the read waited for an end that never came, for as long as another instance committed.

const topics = scratchTopics();
afterEach(() => topics.dropAll());

/** Commits a transaction of one record every `everyMs`, as another instance's commits do; resolves with how many once stopped. */
function committingEvery(topic: string, everyMs: number) {
  let stopped = false;
  let committed = 0;
  const done = (async () => {
    const producer = new Producer({ 'metadata.broker.list': brokers, 'transactional.id': uniqueName('other-instance'), dr_cb: true });
    await new Promise<void>((resolve, reject) => producer.connect({}, (err) => (err ? reject(err) : resolve())));
    producer.setPollInterval(20);
    const call = (f: (cb: (err: unknown) => void) => void) => new Promise<void>((resolve, reject) => f((err) => (err ? reject(err) : resolve())));
    try {
      await call((cb) => producer.initTransactions(10_000, cb));
      while (!stopped) {
        await call((cb) => producer.beginTransaction(cb));
        producer.produce(topic, 0, Buffer.from(String(committed)), 'k');
        await call((cb) => producer.commitTransaction(10_000, cb));
        committed++;
        await new Promise((r) => setTimeout(r, everyMs));
      }
    } finally {
      await disconnectProducer(producer);
    }
  })();
  return { committed: () => committed, stop: () => ((stopped = true), done) };
}

it('reads to the end a partition another instance commits to every 200 ms', async () => {
  const topic = uniqueName('shared-internal');
  await topics.create(topic, 1);
  const other = committingEvery(topic, 200);
  try {
    await new Promise((r) => setTimeout(r, 2000));
    const committedBefore = other.committed();
    let read = 0;
    const reading = readPartitions({ brokers }, uniqueName('reader'), [{ topic, partition: 0 }], () => read++).then(() => 'done' as const);
    const outcome = await Promise.race([reading, new Promise<'still reading'>((r) => setTimeout(() => r('still reading'), 10_000))]);
    expect({ outcome, readAllCommittedBefore: read >= committedBefore }).toEqual({ outcome: 'done', readAllCommittedBefore: true });
  } finally {
    await other.stop();
  }
});
