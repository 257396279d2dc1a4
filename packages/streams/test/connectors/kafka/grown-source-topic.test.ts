import { AdminClient } from 'node-rdkafka';
import { count, memorySink, silentLogger, streams, tumbling, type WindowResult } from '../../../src';
import { KafkaStreams } from '../../../src/connectors/kafka';
import { commitMarkerTopic, internalTopics } from '../../../src/connectors/kafka/internal-topics';
import { event, sourceOptions } from '../../support/events';
import { brokers, produce, uniqueName, waitFor } from '../../support/kafka';
import { scratchTopics } from '../../support/scratch-topics';

jest.setTimeout(120_000);

const topics = scratchTopics();
afterEach(() => topics.dropAll());

function growTopic(topic: string, partitions: number): Promise<void> {
  const admin = AdminClient.create({ 'metadata.broker.list': brokers });
  return new Promise<void>((resolve, reject) => admin.createPartitions(topic, partitions, 15_000, (err) => (err ? reject(err) : resolve()))).finally(() => admin.disconnect());
}

describe('multi-instance: internal topics made for an older partition count of the source', () => {
  it('refuses to start after the source grew from 2 to 4 partitions, naming the repartition topic, both counts and the remedy; processes nothing', async () => {
    const input = uniqueName('grown-in');
    const applicationId = uniqueName('grown-app');
    await topics.create(input, 2);
    const app = streams({ applicationId });
    const pages = memorySink<WindowResult<string, number>>('pages');
    app.source(input, sourceOptions).withWatermark('1m').groupBy((e) => e.page_url, { name: 'by-page' }).window(tumbling('1m')).aggregate(count(), { name: 'page-counts' }).to(pages);
    const internal = internalTopics(app.topology(), () => 2, { repartitionRetentionMs: 1 }).map((t) => t.name);
    topics.track(...internal, commitMarkerTopic(applicationId));
    const runtime = () =>
      new KafkaStreams(app, { connection: { brokers }, scaling: 'multi-instance', instanceId: 'only', commitInterval: '200ms', logger: silentLogger });

    const events = Array.from({ length: 40 }, (_, i) => event(i * 1000, { user_id: `user-${i % 5}`, page_url: `/p${i % 3}` }));
    await produce(input, events.slice(0, 20).map((e) => ({ value: JSON.stringify(e), key: e.user_id })));
    const first = runtime();
    await first.start();
    await waitFor(() => first.metrics().recordsIn >= 20 && first.metrics().state === 'running', 60_000, 'the first run to read its input');
    await first.stop();

    await growTopic(input, 4);
    await produce(input, events.slice(20).map((e, i) => ({ value: JSON.stringify(e), key: e.user_id, partition: i % 4 })));
    const emittedBefore = pages.values().length;
    const second = runtime();
    // Before: start() succeeded, and the runtime failed at the first re-keyed record with
    // "kafka producer: cannot send a record of … bytes to topic …-by-page-repartition: Local: Unknown partition".
    const refused = second.start();
    await expect(refused).rejects.toThrow(`${applicationId}-by-page-repartition has 2 partitions`);
    const message = ((await refused.catch((e: unknown) => e)) as Error).message;
    expect(message).toContain(`${applicationId}-page-counts-store-changelog has 2 partitions`);
    expect(message).toContain('but the topology needs 4');
    expect(message).toContain(`recreate it with 2 partitions`);
    expect(message).toContain(`its consumer group '${applicationId}'`);
    expect(second.metrics().state).toBe('stopped');
    expect(second.metrics().recordsIn).toBe(0);
    await new Promise((r) => setTimeout(r, 500));
    expect(pages.values().length).toBe(emittedBefore);
  });
});
