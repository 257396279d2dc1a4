import { count, memorySink, silentLogger, streams, tumbling, type WindowResult } from '../../../src';
import { KafkaStreams } from '../../../src/connectors/kafka';
import { commitMarkerTopic, internalTopics } from '../../../src/connectors/kafka/internal-topics';
import { event, sourceOptions } from '../../support/events';
import { brokers, produce, uniqueName, waitFor } from '../../support/kafka';
import { scratchTopics } from '../../support/scratch-topics';

// State in changelog topics (multi-instance) is checked at restore like state in local files
// (test/upgrades/store-layout.test.ts): an aggregation whose windows changed under the same name
// read the 1-minute counts its changelog restored as 5-minute windows.

jest.setTimeout(120_000);

const topics = scratchTopics();
afterEach(() => topics.dropAll());

it('multi-instance: refuses to run on changelog state that an aggregation of other windows would read, and processes nothing', async () => {
  const input = uniqueName('changed-in');
  const applicationId = uniqueName('changed-app');
  await topics.create(input, 2);
  const version = (size: '1m' | '5m') => {
    const app = streams({ applicationId });
    const pages = memorySink<WindowResult<string, number>>('pages');
    app.source(input, sourceOptions).withWatermark('1m').groupBy((e) => e.page_url, { name: 'by-page' }).window(tumbling(size)).aggregate(count(), { name: 'page-counts' }).to(pages);
    return { app, pages };
  };
  const runtime = (app: ReturnType<typeof streams>) =>
    new KafkaStreams(app, { connection: { brokers }, scaling: 'multi-instance', instanceId: 'only', commitInterval: '200ms', logger: silentLogger });
  topics.track(...internalTopics(version('1m').app.topology(), () => 2, { repartitionRetentionMs: 1 }).map((t) => t.name), commitMarkerTopic(applicationId));

  const events = Array.from({ length: 40 }, (_, i) => event(i * 1000, { user_id: `user-${i % 5}`, page_url: `/p${i % 3}` }));
  await produce(input, events.slice(0, 20).map((e) => ({ value: JSON.stringify(e), key: e.user_id })));
  const first = runtime(version('1m').app);
  await first.start();
  await waitFor(() => first.metrics().recordsIn >= 20 && first.metrics().state === 'running' && Object.values(first.metrics().lag).every((l) => l === 0), 60_000, 'the first version to read its input');
  await new Promise((r) => setTimeout(r, 500)); // a commit
  await first.stop();

  await produce(input, events.slice(20).map((e) => ({ value: JSON.stringify(e), key: e.user_id })));
  const { app, pages } = version('5m');
  const second = runtime(app);
  await second.start();
  const failure = second.done.then(
    () => undefined,
    (error: unknown) => error as Error,
  );
  try {
    // Before: it ran, and sent 5-minute counts made of the restored 1-minute ones.
    await waitFor(() => second.metrics().state === 'failed' || pages.values().length > 0, 60_000, 'the second version to fail or to send results');
    expect(pages.values()).toEqual([]);
    expect((await failure)?.message).toMatch(
      /'page-counts-store' holds the state of a windowAggregate tumbling 1m, count, and is now the store of a windowAggregate tumbling 5m, count/,
    );
  } finally {
    await second.stop();
  }
});
