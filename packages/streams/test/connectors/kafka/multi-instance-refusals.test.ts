import { count, memorySink, streams, tumbling, type WindowResult } from '../../../src';
import { KafkaStreams } from '../../../src/connectors/kafka';
import { sourceOptions } from '../../support/events';

// What repartition topics cannot carry yet is refused when the runtime is built, as the README
// says: before, the refusal came at the first assignment, after the internal topics had been
// created and the group joined, and start() itself resolved. No broker is needed to see it.

function rollup() {
  const app = streams({ applicationId: 'multi-instance-refusals' });
  app
    .source('events', sourceOptions)
    .groupBy((e) => e.page_url, { name: 'by-page' })
    .window(tumbling('1m'))
    .aggregate(count(), { name: 'per-page' })
    .groupBy((r: WindowResult<string, number>) => r.windowStart, { name: 'by-minute' })
    .window(tumbling('1h'))
    .aggregate(count())
    .to(memorySink());
  return app;
}

const connection = { brokers: '127.0.0.1:1' };

it("refuses, when built with scaling 'multi-instance', to send an aggregation's results through a repartition topic", () => {
  expect(() => new KafkaStreams(rollup(), { connection, scaling: 'multi-instance' })).toThrow(
    "scaling 'multi-instance' cannot yet send the results of per-page (re-keyed by by-minute) through a repartition topic",
  );
});

it("builds the same topology with scaling 'single-instance', where re-keyed records pass in process", () => {
  expect(() => new KafkaStreams(rollup(), { connection })).not.toThrow();
});
