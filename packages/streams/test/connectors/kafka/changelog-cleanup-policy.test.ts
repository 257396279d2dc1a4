import { count, memorySink, silentLogger, streams, tumbling, type WindowResult } from '../../../src';
import { KafkaStreams } from '../../../src/connectors/kafka';
import { changelogTopic, commitMarkerTopic, internalTopics } from '../../../src/connectors/kafka/internal-topics';
import { describeTopicSetting } from '../../../src/connectors/kafka/topic-configs';
import { event, sourceOptions } from '../../support/events';
import { brokers, produce, uniqueName } from '../../support/kafka';
import { scratchTopics } from '../../support/scratch-topics';

jest.setTimeout(60_000);

const topics = scratchTopics();
afterEach(() => topics.dropAll());

describe('multi-instance: an existing changelog topic that is not compacted', () => {
  it("refuses to start, naming the topic and its cleanup.policy; reads nothing", async () => {
    const input = uniqueName('policy-in');
    const applicationId = uniqueName('policy-app');
    await topics.create(input, 2);
    const app = streams({ applicationId });
    const pages = memorySink<WindowResult<string, number>>('pages');
    app.source(input, sourceOptions).withWatermark('1m').groupBy((e) => e.page_url, { name: 'by-page' }).window(tumbling('1m')).aggregate(count(), { name: 'page-counts' }).to(pages);
    topics.track(...internalTopics(app.topology(), () => 2, { repartitionRetentionMs: 1 }).map((t) => t.name), commitMarkerTopic(applicationId));
    // Made by hand (or by a tool) with the broker's default policy, and the right partition count.
    const changelog = changelogTopic(applicationId, 'page-counts-store');
    await topics.create(changelog, 2, { 'cleanup.policy': 'delete' });
    await produce(input, [event(0)].map((e) => ({ value: JSON.stringify(e), key: e.user_id })));

    const runtime = new KafkaStreams(app, { connection: { brokers }, scaling: 'multi-instance', instanceId: 'only', commitInterval: '200ms', logger: silentLogger });
    // Before: start() succeeded and the app ran on a changelog the broker may delete state from.
    await expect(runtime.start()).rejects.toThrow(`changelog topics must be compacted (cleanup.policy=compact): ${changelog} has cleanup.policy 'delete'`);
    expect(runtime.metrics().state).toBe('stopped');
    expect(runtime.metrics().recordsIn).toBe(0);
    expect(pages.values()).toEqual([]);
  });

  it('reads cleanup.policy only over plaintext connections (node-rdkafka binds no DescribeConfigs)', async () => {
    const topic = uniqueName('policy-read');
    await topics.create(topic, 1, { 'cleanup.policy': 'compact' });
    expect(await describeTopicSetting({ brokers }, [topic, uniqueName('missing')], 'cleanup.policy')).toEqual(new Map([[topic, 'compact']]));
    expect(await describeTopicSetting({ brokers, config: { 'security.protocol': 'ssl' } }, [topic], 'cleanup.policy')).toBeUndefined();
  });
});
