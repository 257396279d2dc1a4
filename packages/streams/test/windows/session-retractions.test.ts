import { count, memorySink, session, streams, tumbling, type SinkRecord, type WindowResult } from '../../src';
import { TopologyTestDriver } from '../../src/testing';
import { event, MIN, sourceOptions, T0 } from '../support/events';

// Update-mode session counts with a 20m watermark and a 10m gap: a record at 8m bridges the
// sessions [0,0] and [15,15], so the second is retracted (merged away).
const BRIDGED = [0, 15, 8];

function sessionCounts(applicationId: string) {
  const app = streams({ applicationId });
  const counts = app.source('events', sourceOptions).withWatermark('20m').groupByKey().window(session('10m')).aggregate(count());
  return { app, counts };
}

type Row = { user: string; start: number; count: number };
const brief = (r: SinkRecord<Row>) => `${r.retract ? '-' : '+'}${r.value.user}@${(r.value.start - T0) / MIN}=${r.value.count}`;

describe('a session retraction', () => {
  it('stays a retraction for each value a flatMap makes of it, as through map', async () => {
    const { app, counts } = sessionCounts('session-retraction-flatmap');
    const sink = memorySink<Row>();
    counts.flatMap((r: WindowResult<string, number>) => [{ user: r.key, start: r.windowStart, count: r.value }]).to(sink);
    const driver = await TopologyTestDriver.create(app);
    for (const m of BRIDGED) await driver.pipe('events', event(m * MIN));
    expect(driver.output(sink).map(brief)).toEqual(['+u1@0=1', '+u1@15=1', '-u1@15=1', '+u1@0=3']);
  });

  // A retraction is not an event: an aggregation or processor downstream leaves it out, as Kafka
  // Streams' aggregations leave out tombstones, instead of counting the retracted value as a record.
  it('is left out by an aggregation downstream: the hour counts the session updates, not the retraction', async () => {
    const { app, counts } = sessionCounts('retraction-into-aggregate');
    const sessionsPerHour = memorySink<WindowResult<null, number>>();
    counts.window(tumbling('1h')).aggregate(count(), { emit: 'final' }).to(sessionsPerHour);
    const driver = await TopologyTestDriver.create(app);
    // +u1@0=1, +u1@15=1, -u1@15=1, +u1@0=3; then 100m closes the first hour.
    for (const m of [...BRIDGED, 100]) await driver.pipe('events', event(m * MIN));
    expect(driver.output(sessionsPerHour).map((r) => [r.value.windowStart - T0, r.value.value])).toEqual([[0, 3]]);
  });
});
