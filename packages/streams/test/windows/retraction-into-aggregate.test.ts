import { count, memorySink, session, tumbling, streams, type WindowResult } from '../../src';
import { TopologyTestDriver } from '../../src/testing';
import { event, MIN, sourceOptions, T0 } from '../support/events';

// Update-mode session results carry retractions (a session merged away). A retraction is not an
// event: an aggregation or processor downstream leaves it out, as Kafka Streams' aggregations
// leave out tombstones, instead of counting the retracted value as one more record.
describe('a retraction reaching an aggregation downstream', () => {
  it('is left out: the hour counts the session updates, not the retraction of a merged-away one', async () => {
    const app = streams({ applicationId: 'retraction-into-aggregate' });
    const sessionsPerHour = memorySink<WindowResult<null, number>>();
    app
      .source('events', sourceOptions)
      .withWatermark('20m')
      .groupByKey()
      .window(session('10m'))
      .aggregate(count())
      .window(tumbling('1h'))
      .aggregate(count(), { emit: 'final' })
      .to(sessionsPerHour);
    const driver = await TopologyTestDriver.create(app);
    // +u1@0=1, +u1@15=1, then 8m bridges them: -u1@15=1, +u1@0=3; 100m closes the first hour.
    for (const m of [0, 15, 8, 100]) await driver.pipe('events', event(m * MIN));
    expect(driver.output(sessionsPerHour).map((r) => [r.value.windowStart - T0, r.value.value])).toEqual([[0, 3]]);
  });
});
