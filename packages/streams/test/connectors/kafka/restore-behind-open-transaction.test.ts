import { isDeepStrictEqual } from 'node:util';
import { Producer } from 'node-rdkafka';
import { type KafkaStreams } from '../../../src/connectors/kafka';
import { checkpointTopic } from '../../../src/connectors/kafka/internal-topics';
import { disconnectProducer } from '../../../src/connectors/kafka/promisified';
import { brokers, createTopic, produce, uniqueName, waitFor } from '../../support/kafka';
import { recordingLogger } from '../../support/recording-logger';
import { burstyEvents, expectedTables, movingPartitionsApp, tablesOf, startInstance, type PlacedEvent } from '../../support/moving-partitions-app';

jest.setTimeout(180_000);

const running: KafkaStreams[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.stop()));
});

// An instance killed in the middle of a commit leaves its transaction open on the checkpoint topic
// (every commit writes there) until the broker aborts it, transaction.timeout.ms later (60 s).
// A read_committed reader meanwhile stops at that transaction's first record (the last stable
// offset): the restore of a task whose partitions moved then read every checkpoint committed
// since as absent, while its changelog partition, where the killed instance wrote nothing, was
// read to its end. State newer than its checkpoint: the records in between were counted twice.

const call = (f: (cb: (err: unknown) => void) => void) => new Promise<void>((resolve, reject) => f((err) => (err ? reject(err) : resolve())));

/** What an instance killed while it wrote a commit leaves behind: a transaction left open on the checkpoint topic. */
async function leaveCommitOpen(transactionalId: string, applicationId: string, timeoutMs: number): Promise<Producer> {
  const producer = new Producer({ 'metadata.broker.list': brokers, 'transactional.id': transactionalId, 'transaction.timeout.ms': timeoutMs, dr_cb: true });
  await call((cb) => producer.connect({}, cb as never));
  producer.setPollInterval(20);
  await call((cb) => producer.initTransactions(10_000, cb));
  await call((cb) => producer.beginTransaction(cb));
  producer.produce(checkpointTopic(applicationId), 0, Buffer.from(JSON.stringify({ id: 1, cp: { offsets: {}, time: {} } })), '0_9');
  await call((cb) => producer.flush(10_000, cb));
  return producer;
}

it.each(['at_least_once', 'exactly_once'] as const)('%s: a restore waits for a transaction a killed instance left open, rather than read state newer than its checkpoint', async (guarantee) => {
  const partitions = 2;
  const input = uniqueName('open-tx-in');
  await createTopic(input, partitions);
  const events = burstyEvents(600, partitions);
  const send = (part: readonly PlacedEvent[]) => produce(input, part.map(({ event, partition }) => ({ value: JSON.stringify(event), key: event.user_id, partition })));
  const applicationId = uniqueName('open-tx-app');
  const app = movingPartitionsApp(applicationId, input);
  const start = (instanceId: string) => startInstance(app, guarantee, instanceId, running);
  const afterFirstPart = (await expectedTables(events.slice(0, 300), input, partitions)).tables;

  await send(events.slice(0, 300));
  const b = await start('b');
  await waitFor(() => isDeepStrictEqual(tablesOf(app), afterFirstPart), 60_000, 'b to commit the first part');
  await new Promise((r) => setTimeout(r, 500)); // the commit that flushed it finalizes
  // Instance a dies in its commit; the broker would abort its transaction 60 s later. The test
  // aborts it itself once c's restore says it waits for it, so the restore cannot run after it
  // ended however slow the machine (with a short timeout, the test could pass without the wait).
  const killed = await leaveCommitOpen(guarantee === 'exactly_once' ? `${applicationId}-a` : `${applicationId}-a-state`, applicationId, 60_000);
  try {
    await send(events.slice(300));
    await waitFor(() => b.metrics().recordsIn >= 600, 60_000, 'b to read the second part');
    await b.stop();
    // c takes every partition, and restores them from what b committed.
    const { logger, lines } = recordingLogger();
    const starting = startInstance(app, guarantee, 'c', running, logger);
    await waitFor(() => lines.some((l) => l.level === 'warn' && l.message.startsWith('restore waits for a transaction left open')), 60_000, "c's restore to wait for the open transaction");
    await call((cb) => killed.abortTransaction(10_000, cb));
    const c = await starting;
    await waitFor(() => c.metrics().state === 'running' && c.metrics().assigned.length > 0 && Object.values(c.metrics().lag).every((lag) => lag === 0), 60_000, 'c to catch up');
    // Commits, and watermark records through the repartition topic, then what c holds must stay so.
    const expected = (await expectedTables(events, input, partitions)).tables;
    await waitFor(() => isDeepStrictEqual(tablesOf(app), expected), 30_000, "the tables to equal the test driver's").catch(() => undefined);
    await c.stop();
    expect(tablesOf(app)).toEqual(expected);
  } finally {
    await call((cb) => killed.abortTransaction(10_000, cb)).catch(() => undefined);
    await disconnectProducer(killed);
  }
});
