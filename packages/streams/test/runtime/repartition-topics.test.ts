import { count, processor, streams, sum, tumbling, type Sink, type WindowResult } from '../../src';
import { TopologyTestDriver } from '../../src/testing';
import { event, MIN, sourceOptions, type Event } from '../support/events';

// What repartition topics (scaling: 'multi-instance') cannot carry yet is refused at start, with
// the fix named, instead of losing or double-counting records; in process the same topologies run.

const passOn = processor<Event, Event, never>({ name: 'pass-on', process: (e, ctx) => ctx.emit(e) });

const nowhere: Sink<unknown> = { kind: 'memory', target: 'nowhere', open: async () => ({ write: () => {}, buffered: 0, flush: async () => {}, close: async () => {} }) };

function rollup(applicationId: string) {
  const app = streams({ applicationId });
  app
    .source('events', sourceOptions)
    .groupBy((e) => e.page_url)
    .window(tumbling('1m'))
    .aggregate(count(), { emit: 'final', name: 'per-minute' })
    .groupBy(() => 'all', { name: 'all-pages' })
    .window(tumbling('1h'))
    .aggregate(sum((r: WindowResult<string, number>) => r.value))
    .to(nowhere);
  return app;
}

function twoHops(applicationId: string) {
  const app = streams({ applicationId });
  app
    .source('events', sourceOptions)
    .groupBy((e) => e.page_url, { name: 'by-page' })
    .process(passOn)
    .groupBy(() => 'all', { name: 'all-pages' })
    .window(tumbling('1h'))
    .aggregate(count())
    .to(nowhere);
  return app;
}

describe('repartition topics', () => {
  it('refuse to re-key the results of an aggregation', async () => {
    await expect(TopologyTestDriver.create(rollup('rollup-topics'), { repartition: 'topics' })).rejects.toThrow(
      "scaling 'multi-instance' cannot yet send the results of per-minute (re-keyed by all-pages) through a repartition topic",
    );
    const driver = await TopologyTestDriver.create(rollup('rollup-in-process'));
    await driver.pipe('events', event(MIN));
    await driver.pipe('events', event(61 * MIN));
    expect(driver.metrics().late).toEqual({});
  });

  it('refuse a second hop', async () => {
    await expect(TopologyTestDriver.create(twoHops('hops-topics'), { repartition: 'topics' })).rejects.toThrow(
      "scaling 'multi-instance' cannot yet re-key twice through repartition topics (by-page, then all-pages)",
    );
    await expect(TopologyTestDriver.create(twoHops('hops-in-process'))).resolves.toBeDefined();
  });

  it('carry the late records of an aggregation: they are its input, with their offsets', async () => {
    const app = streams({ applicationId: 'late-regrouped' });
    const perMinute = app.source('events', sourceOptions).groupByKey().window(tumbling('1m')).aggregate(count());
    perMinute.to(nowhere);
    perMinute
      .late()
      .groupBy((e) => e.page_url)
      .window(tumbling('1h'))
      .aggregate(count())
      .to(nowhere);
    await expect(TopologyTestDriver.create(app, { repartition: 'topics' })).resolves.toBeDefined();
  });
});
