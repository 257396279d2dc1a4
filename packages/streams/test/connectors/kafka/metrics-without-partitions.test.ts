import { KafkaConsumer } from 'node-rdkafka';
import { count, memoryBackend, memorySink, silentLogger, streams, tumbling, type WindowResult } from '../../../src';
import { KafkaStreams } from '../../../src/connectors/kafka';
import { event, sourceOptions } from '../../support/events';
import { scratchTopics } from '../../support/scratch-topics';
import { brokers, produce, uniqueName, waitFor } from '../../support/kafka';

jest.setTimeout(90_000);

// The broker is shared: each test deletes the topics it created, and with them its group's offsets.
const topics = scratchTopics();
afterEach(() => topics.dropAll());

// A single-instance runtime that gave its partitions up (another member joined its group) runs
// no engine: it holds no store, no partition, no watermark. Its metrics() said otherwise: the
// store sizes and watermarks of the engine it closed, frozen, so /metrics showed stores and
// watermarks of partitions it no longer read.

it('metrics() of a runtime that waits without partitions has no stores, watermarks or idle partitions, and has them again once it runs', async () => {
  const input = uniqueName('waiting-in');
  await topics.create(input, 2);
  const applicationId = uniqueName('waiting-app');
  const app = streams({ applicationId });
  app.source(input, sourceOptions).withWatermark('1h').groupByKey().window(tumbling('1h')).aggregate(count(), { name: 'counts' }).to(memorySink<WindowResult<string, number>>());
  await produce(input, [0, 1].map((p) => ({ key: `u${p}`, value: JSON.stringify(event(p * 1000, { user_id: `u${p}` })), partition: p })));
  const runtime = new KafkaStreams(app, { connection: { brokers }, stateBackend: memoryBackend(), commitInterval: '100ms', logger: silentLogger });
  await runtime.start();
  // Another member of the group (not a runtime: it stays, where a second runtime would refuse and leave).
  const other = new KafkaConsumer({ 'metadata.broker.list': brokers, 'group.id': applicationId, 'partition.assignment.strategy': 'range', 'enable.auto.commit': false }, {});
  try {
    await waitFor(() => runtime.metrics().recordsIn === 2, 30_000, 'the runtime to read both events');
    expect(runtime.metrics()).toMatchObject({ storeEntries: { 'counts-store': 2 }, watermarks: { [`${input}:0`]: expect.any(Number), [`${input}:1`]: expect.any(Number) } });

    await new Promise<void>((resolve, reject) => other.connect({}, (err) => (err ? reject(err) : resolve())));
    other.subscribe([input]);
    other.consume();
    await waitFor(() => runtime.metrics().state === 'rebalancing' && runtime.metrics().assigned.length === 0, 30_000, 'the runtime to give its partitions up and wait');
    await new Promise((r) => setTimeout(r, 500));
    const waiting = runtime.metrics();
    expect({ state: waiting.state, assigned: waiting.assigned, storeEntries: waiting.storeEntries, watermarks: waiting.watermarks, idlePartitions: waiting.idlePartitions, lag: waiting.lag }).toEqual({
      state: 'rebalancing',
      assigned: [],
      storeEntries: {},
      watermarks: {},
      idlePartitions: [],
      lag: {},
    });
    // Counters are the runtime's totals: they do not go back.
    expect(waiting.recordsIn).toBe(2);
    await new Promise<void>((resolve) => other.disconnect(() => resolve()));
    await waitFor(() => runtime.metrics().state === 'running' && runtime.metrics().assigned.length === 2, 30_000, 'the runtime to run again with both partitions');
    expect(runtime.metrics().storeEntries).toEqual({ 'counts-store': 2 });
  } finally {
    if (other.isConnected()) await new Promise<void>((resolve) => other.disconnect(() => resolve()));
    await runtime.stop();
  }
});
