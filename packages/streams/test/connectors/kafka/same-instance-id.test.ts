import { count, memorySink, silentLogger, streams, tumbling, type WindowResult } from '../../../src';
import { KafkaStreams } from '../../../src/connectors/kafka';
import { commitMarkerTopic, internalTopics } from '../../../src/connectors/kafka/internal-topics';
import { event, sourceOptions } from '../../support/events';
import { brokers, produce, uniqueName, waitFor } from '../../support/kafka';
import { scratchTopics } from '../../support/scratch-topics';

jest.setTimeout(120_000);

const topics = scratchTopics();
const running: KafkaStreams[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.stop().catch(() => undefined)));
  await topics.dropAll();
});

describe.each(['at_least_once', 'exactly_once'] as const)('multi-instance, %s: two instances with the same instanceId', (guarantee) => {
  it('the older one stops with an error that names the shared transactional id and instanceId', async () => {
    const input = uniqueName('same-id-in');
    const applicationId = uniqueName('same-id-app');
    await topics.create(input, 2);
    const app = streams({ applicationId });
    const pages = memorySink<WindowResult<string, number>>('pages');
    app.source(input, sourceOptions).withWatermark('1m').groupBy((e) => e.page_url, { name: 'by-page' }).window(tumbling('1m')).aggregate(count(), { name: 'page-counts' }).to(pages);
    topics.track(...internalTopics(app.topology(), () => 2, { repartitionRetentionMs: 1 }).map((t) => t.name), commitMarkerTopic(applicationId));
    const start = async () => {
      const runtime = new KafkaStreams(app, {
        connection: { brokers },
        scaling: 'multi-instance',
        processingGuarantee: guarantee,
        instanceId: 'same',
        commitInterval: '200ms',
        logger: silentLogger,
      });
      await runtime.start();
      running.push(runtime);
      return runtime;
    };
    const send = (from: number, to: number) =>
      produce(input, Array.from({ length: to - from }, (_, i) => event((from + i) * 1000, { user_id: `user-${i % 5}`, page_url: `/p${i % 3}` })).map((e) => ({ value: JSON.stringify(e), key: e.user_id })));

    await send(0, 20);
    const first = await start();
    await waitFor(() => first.metrics().recordsIn >= 20 && first.metrics().state === 'running', 60_000, 'the first instance to read its input');
    const failed = first.done.then(
      () => undefined,
      (error: Error) => error,
    );
    // Its transactional producer takes the id over: the broker fences the first one's.
    await start();
    await send(20, 40);
    await waitFor(() => first.metrics().state === 'failed', 60_000, 'the first instance to fail');
    // Before: "kafka producer: 7 records were not delivered, the first to topic …-checkpoints (partition 0): purged in queue".
    const error = await failed;
    const transactionalId = guarantee === 'exactly_once' ? `${applicationId}-same` : `${applicationId}-same-state`;
    expect(error?.message).toContain(`another instance uses the transactional id '${transactionalId}'`);
    expect(error?.message).toContain(`give each instance its own instanceId ('same' here`);
  });
});
