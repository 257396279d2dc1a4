import { count, memorySink, processor, session, streams, tumbling, type WindowResult } from '../../src';
import { TopologyTestDriver } from '../../src/testing';
import { event, MIN, SEC, sourceOptions, T0, type Event } from '../support/events';

// A processor may emit, from `process`, a record stamped before the record it handles (a session
// tracker stamps every event with the start of the user's visit). The record that moves the
// watermark closes the windows below *before* it is processed: what the processor then emits for
// a window that closed is late, as in Kafka Streams (a window, once its close time passed, takes
// nothing more): it is judged by the watermark as its record left it. Before, it was judged by the
// watermark of its record's partition from before that move, so it reopened the closed window: a
// second, partial "final" result, and an upsert sink left with the wrong count. That watermark is
// the partition's own, so the tables do not depend on how partitions interleave either.

/** Emits every event stamped with the time of the key's first event. */
const stampAtVisitStart = processor<Event, Event, number>({
  name: 'visit-start',
  process(e, ctx) {
    const start = ctx.state.get() ?? ctx.timestamp;
    ctx.state.set(start);
    ctx.emit(e, start);
  },
});

/** Emits every event from 5 minutes on stamped 4 minutes earlier. */
const fourMinutesBack = processor<Event, Event, number>({
  name: 'four-minutes-back',
  process(e, ctx) {
    ctx.emit(e, ctx.timestamp - T0 >= 5 * MIN ? ctx.timestamp - 4 * MIN : ctx.timestamp);
  },
});

const row = (r: WindowResult<string, number>) => `[${(r.windowStart - T0) / SEC}s)=${r.value}`;

interface Case {
  readonly emit: 'update' | 'final';
  readonly grouping: 'groupByKey' | 'groupBy';
  readonly windows: 'tumbling' | 'session';
  readonly stamp?: typeof stampAtVisitStart;
}

async function run({ emit, grouping, windows, stamp = stampAtVisitStart }: Case) {
  const app = streams({ applicationId: `back-dated-${emit}-${grouping}-${windows}` });
  const results = memorySink<WindowResult<string, number>>();
  const late = memorySink<Event>();
  const stamped = app.source('events', sourceOptions).groupByKey().process(stamp);
  const grouped = grouping === 'groupBy' ? stamped.groupBy((e) => e.page_url) : stamped.groupByKey();
  const counts = (windows === 'tumbling' ? grouped.window(tumbling('1m')) : grouped.window(session('1m'))).aggregate(count(), { emit });
  counts.to(results);
  counts.late().to(late);
  const driver = await TopologyTestDriver.create(app);
  // All of one user on one page; each is emitted stamped 0.
  for (const t of [0, 30 * SEC, 5 * MIN, 6 * MIN]) await driver.pipe('events', event(t));
  return { rows: driver.values(results).map(row), late: driver.values(late).length };
}

describe('a window below a processor that emits records stamped before the one it handles', () => {
  it.each(['groupByKey', 'groupBy'] as const)('final mode, after %s: [0, 1m) is emitted once, with 2; the two emitted after it closed are late', async (grouping) => {
    expect(await run({ emit: 'final', grouping, windows: 'tumbling' })).toEqual({ rows: ['[0s)=2'], late: 2 });
  });

  it.each(['groupByKey', 'groupBy'] as const)('update mode, after %s: the last row of [0, 1m) says 2', async (grouping) => {
    expect(await run({ emit: 'update', grouping, windows: 'tumbling' })).toEqual({ rows: ['[0s)=1', '[0s)=2'], late: 2 });
  });

  it.each(['groupByKey', 'groupBy'] as const)('sessions (gap 1m), final mode, after %s: what comes stamped 0 once the watermark is past 0 is late', async (grouping) => {
    // A session record is late iff before the watermark: the one in force when it reaches the
    // session, 30s for what the event at 30s gives (as for an event at 0 read after it).
    expect(await run({ emit: 'final', grouping, windows: 'session' })).toEqual({ rows: ['[0s)=1'], late: 3 });
  });

  it.each(['groupByKey', 'groupBy'] as const)(
    'sessions (gap 1m), final mode, after %s: a record stamped 1m, within the gap of the session [0, 30s] that closed as the watermark reached 5m, is late, not a second session',
    async (grouping) => {
      // 0 and 30s as they come; 5m stamped 1m (the watermark before it, 30s, is behind 1m), 6m stamped 2m.
      expect(await run({ emit: 'final', grouping, windows: 'session', stamp: fourMinutesBack })).toEqual({ rows: ['[0s)=2'], late: 2 });
    },
  );

  it.each(['tumbling', 'session'] as const)('%s, after a groupBy, over two partitions: the same table however the partitions interleave', async (windows) => {
    const interleaved = async (order: Array<[partition: number, t: number]>, id: string) => {
      const app = streams({ applicationId: `back-dated-interleaving-${windows}-${id}` });
      const results = memorySink<WindowResult<string, number>>();
      const late = memorySink<Event>();
      const grouped = app.source('events', sourceOptions).groupByKey().process(fourMinutesBack).groupBy((e) => e.page_url);
      const counts = (windows === 'session' ? grouped.window(session('1m')) : grouped.window(tumbling('1m'))).aggregate(count(), { emit: 'final' });
      counts.to(results);
      counts.late().to(late);
      const driver = await TopologyTestDriver.create(app, { partitions: 2 });
      for (const [partition, t] of order) await driver.pipe('events', event(t, { user_id: `u${partition}` }), { partition });
      for (const partition of [0, 1]) await driver.pipe('events', event(60 * MIN, { user_id: `u${partition}` }), { partition });
      return { rows: driver.values(results).map(row), late: driver.values(late).length };
    };
    // Each partition's own order is the same: p0 at 0 then 5m (emitted at 1m), p1 at 0 then 10m (emitted at 6m).
    const one = await interleaved([[0, 0], [1, 0], [0, 5 * MIN], [1, 10 * MIN]], 'one');
    const other = await interleaved([[1, 0], [1, 10 * MIN], [0, 0], [0, 5 * MIN]], 'other');
    expect(other).toEqual(one);
    expect(one).toEqual({ rows: ['[0s)=2'], late: 4 }); // 5m, 10m and both closing events at 60m come 4 minutes back
  });
});
