import { count, memorySink, session, streams, type SinkRecord, type WindowResult } from '../../src';
import { TopologyTestDriver } from '../../src/testing';
import { event, MIN, sourceOptions, T0 } from '../support/events';

type Row = { user: string; start: number; count: number };
const brief = (r: SinkRecord<Row>) => `${r.retract ? '-' : '+'}${r.value.user}@${(r.value.start - T0) / MIN}=${r.value.count}`;

describe('a session retraction through flatMap', () => {
  it('stays a retraction for each value it becomes, as through map', async () => {
    const app = streams({ applicationId: 'session-retraction-flatmap' });
    const sink = memorySink<Row>();
    app
      .source('events', sourceOptions)
      .withWatermark('20m')
      .groupByKey()
      .window(session('10m'))
      .aggregate(count())
      .flatMap((r: WindowResult<string, number>) => [{ user: r.key, start: r.windowStart, count: r.value }])
      .to(sink);
    const driver = await TopologyTestDriver.create(app);
    for (const m of [0, 15, 8]) await driver.pipe('events', event(m * MIN)); // 8m bridges [0,0] and [15,15]
    expect(driver.output(sink).map(brief)).toEqual(['+u1@0=1', '+u1@15=1', '-u1@15=1', '+u1@0=3']);
  });
});
