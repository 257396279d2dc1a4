import { memoryBackend, silentLogger, streams, type Sink } from '../../../src';
import { KafkaStreams } from '../../../src/connectors/kafka';
import { event, sourceOptions, type Event } from '../../support/events';
import { scratchTopics } from '../../support/scratch-topics';
import { brokers, produce, uniqueName, waitFor } from '../../support/kafka';

jest.setTimeout(60_000);

// The broker is shared: each test deletes the topics it created, and with them its group's offsets.
const topics = scratchTopics();
afterEach(() => topics.dropAll());

// What an operator needs to see why commits are slow, and how often the group moves partitions:
// the time spent committing and flushing each sink, as totals (a rate over any interval, where
// the last commit's duration alone showed one commit in hundreds between two scrapes), and the
// rebalances. Kafka Streams has commit-latency-avg/max and its consumer rebalance-total.

const FLUSH_MS = 40;

/** A sink whose every flush takes FLUSH_MS: the sink a commit waits for. */
const slowSink: Sink<Event> = {
  kind: 'slow',
  target: 'nowhere',
  open: async () => ({
    write: () => undefined,
    flush: () => new Promise<void>((resolve) => setTimeout(resolve, FLUSH_MS)),
    close: async () => undefined,
  }),
};

it('metrics() sums commit time and each sink’s flush time, and counts the rebalances', async () => {
  const input = uniqueName('timings-in');
  await topics.create(input, 1);
  await produce(input, [0, 1, 2].map((i) => ({ value: JSON.stringify(event(i * 1000)) })));
  const app = streams({ applicationId: uniqueName('timings-app') });
  app.source(input, sourceOptions).withWatermark('1m').to(slowSink, { name: 'slow-sink' });
  const runtime = new KafkaStreams(app, { connection: { brokers }, stateBackend: memoryBackend(), commitInterval: '100ms', logger: silentLogger });
  await runtime.start();
  try {
    await waitFor(() => runtime.metrics().recordsIn === 3 && runtime.metrics().commits >= 1, 30_000, 'the events and a commit');
  } finally {
    await runtime.stop();
  }
  const m = runtime.metrics();
  expect(m.rebalances).toBe(1);
  expect(Object.keys(m.sinkFlushMs)).toEqual(['slow-sink']);
  // Each commit waits for the flush: at least FLUSH_MS each, and at least the flush's time in all.
  expect(m.sinkFlushMs['slow-sink']).toBeGreaterThanOrEqual(FLUSH_MS * m.commits - m.commits);
  expect(m.commitMsTotal).toBeGreaterThanOrEqual(m.sinkFlushMs['slow-sink']!);
  expect(m.commitMsTotal).toBeLessThan(5_000 * m.commits);
});
