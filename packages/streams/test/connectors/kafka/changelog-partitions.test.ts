import { memorySink, processor, silentLogger, streams } from '../../../src';
import { KafkaStreams } from '../../../src/connectors/kafka';
import { event, sourceOptions, type Event } from '../../support/events';
import { brokers, createTopic, produce, uniqueName, waitFor } from '../../support/kafka';

jest.setTimeout(120_000);

/** Counts each user's events: state in every task of sub-topology 0. */
const perUser = processor<Event, { user: string; n: number }, number>({
  name: 'per-user',
  process(_e, ctx) {
    const n = (ctx.state.get() ?? 0) + 1;
    ctx.state.set(n);
    ctx.emit({ user: ctx.key, n });
  },
});

// Sub-topology 0 runs a task per partition number of its widest source, so its stores' changelog
// topics need that many partitions, not the first source's count.
describe('multi-instance changelog topics of sub-topology 0', () => {
  it('have a partition for every task when a later source topic has more partitions than the first', async () => {
    const narrow = uniqueName('changelog-narrow');
    const wide = uniqueName('changelog-wide');
    await Promise.all([createTopic(narrow, 1), createTopic(wide, 3)]);
    const app = streams({ applicationId: uniqueName('changelog-app') });
    const counts = memorySink<{ user: string; n: number }>();
    app.source(narrow, sourceOptions).withWatermark('1m').to(memorySink<Event>());
    app.source(wide, sourceOptions).withWatermark('1m').groupByKey().process(perUser).to(counts);
    await produce(wide, [0, 1, 2].map((partition) => ({ value: JSON.stringify(event(partition * 1000, { user_id: `u${partition}` })), partition })));

    const runtime = new KafkaStreams(app, { connection: { brokers }, scaling: 'multi-instance', instanceId: 'only', commitInterval: '100ms', logger: silentLogger });
    let failure: Error | undefined;
    await runtime.start();
    runtime.done.catch((error: Error) => (failure = error));
    await waitFor(() => failure !== undefined || counts.values().length === 3, 60_000, 'the three counts to be committed');
    await runtime.stop();
    expect(failure?.message).toBeUndefined();
    expect(counts.values().map((c) => c.user).sort()).toEqual(['u0', 'u1', 'u2']);
  });
});
