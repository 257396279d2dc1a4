import { memorySink, silentLogger, streams } from '../../../src';
import { KafkaStreams } from '../../../src/connectors/kafka';
import { sourceOptions, type Event } from '../../support/events';
import { brokers, createTopic, uniqueName } from '../../support/kafka';

jest.setTimeout(120_000);

// A task reads partition p of every source topic, but the group's assignor splits each topic among
// the instances on its own: with unequal counts, one task's partitions could go to two instances.
describe('multi-instance source topics', () => {
  it('are refused at start, named with their counts, when their partition counts differ', async () => {
    const narrow = uniqueName('copartition-narrow');
    const wide = uniqueName('copartition-wide');
    await Promise.all([createTopic(narrow, 1), createTopic(wide, 3)]);
    const app = streams({ applicationId: uniqueName('copartition-app') });
    app.source(narrow, sourceOptions).withWatermark('1m').to(memorySink<Event>());
    app.source(wide, sourceOptions).withWatermark('1m').to(memorySink<Event>());

    const runtime = new KafkaStreams(app, { connection: { brokers }, scaling: 'multi-instance', processingGuarantee: 'exactly_once', instanceId: 'only', logger: silentLogger });
    await expect(runtime.start()).rejects.toThrow(
      `scaling 'multi-instance' needs every source topic to have the same number of partitions, as a task reads the same partition of each: ${narrow} (1), ${wide} (3).`,
    );
    await runtime.stop();
  });
});
