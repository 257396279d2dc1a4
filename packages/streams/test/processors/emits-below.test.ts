import { count, memorySink, processor, streams, tumbling, type WindowResult } from '../../src';
import { TopologyTestDriver } from '../../src/testing';
import { event, MIN, sourceOptions, T0, type Event } from '../support/events';

// What a processor emits from `process` is a stateful operator's output: a processor below takes
// it in, whatever its stamp, as it does a window's result or a timer's output (the README's
// "Keyed processors"). Before, it kept the plain origin of the record it came from, and a row
// stamped before that record's watermark went to the processor below's late() instead.

interface SessionRow {
  readonly user: string;
  readonly start: number;
}

/** On `session_end`, emits the session's row stamped with its start, as a session tracker does. */
const sessions = processor<Event, SessionRow, number>({
  name: 'sessions',
  process(e, ctx) {
    const start = ctx.state.get() ?? ctx.timestamp;
    ctx.state.set(start);
    if (e.event_type === 'session_end') ctx.emit({ user: e.user_id, start }, start);
  },
});
const describeRow = processor<SessionRow, string, never>({
  name: 'describe',
  process(r, ctx) {
    ctx.emit(`${r.user} from ${(r.start - T0) / MIN}m at ${(ctx.timestamp - T0) / MIN}m`);
  },
});

async function run(grouping: 'groupByKey' | 'groupBy', repartition: 'in-process' | 'topics') {
  const app = streams({ applicationId: `emits-below-${grouping}-${repartition}` });
  const described = memorySink<string>();
  const late = memorySink<SessionRow>();
  const perMinute = memorySink<WindowResult<string, number>>();
  const rows = app.source('events', sourceOptions).groupByKey().process(sessions);
  const grouped = grouping === 'groupBy' ? rows.groupBy((r) => r.user) : rows.groupByKey();
  const out = grouped.process(describeRow);
  out.to(described);
  out.late().to(late);
  // A window below the same rows still finds a row late once its window has closed.
  const counts = grouped.window(tumbling('1m')).aggregate(count(), { emit: 'final' });
  counts.to(perMinute);
  const driver = await TopologyTestDriver.create(app, { repartition });
  await driver.pipe('events', event(0, { event_type: 'session_start' }));
  await driver.pipe('events', event(5 * MIN));
  await driver.pipe('events', event(6 * MIN, { event_type: 'session_end' })); // the row, stamped 0m
  await driver.pipe('events', event(8 * MIN, { user_id: 'u2' }));
  return { described: driver.values(described), late: driver.values(late).length, counted: driver.values(perMinute).length, metrics: driver.metrics().late };
}

describe('a processor below a processor', () => {
  it.each([
    ['groupByKey', 'in-process'],
    ['groupBy', 'in-process'],
    ['groupBy', 'topics'],
  ] as const)("takes in a row the processor above emitted stamped before the watermark (%s, repartition %s); a window below finds it late", async (grouping, repartition) => {
    expect(await run(grouping, repartition)).toEqual({
      described: ['u1 from 0m at 0m'],
      late: 0,
      counted: 0,
      metrics: { 'windowAggregate-1': 1 },
    });
  });
});
