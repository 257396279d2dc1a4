import { count, memorySink, processor, streams, type WindowDefinition, type WindowResult } from '../../src';
import { MIN, sourceOptions, type Event } from './events';

/**
 * One record per key a minute after its last event (`{ user: key }`), from an event-time timer:
 * output a stateful operator derives as the watermark moves, for tests of what happens downstream.
 */
export const quietAfterAMinute = processor<Event, { user: string }, never>({
  name: 'quiet',
  process(_e, ctx) {
    ctx.timers.setEventTime('quiet', ctx.timestamp + MIN);
  },
  onTimer(_t, ctx) {
    ctx.emit({ user: String(ctx.key) });
  },
});

/**
 * For each event, its page at once (from `process`: the record keeps its source record's origin)
 * and, from an event-time timer a minute later, the key again (a derived record): both kinds of
 * output re-keyed and aggregated below, in the second-hop tests.
 */
export const echoThenTimer = processor<Event, string, never>({
  name: 'echo-then-timer',
  process(e, ctx) {
    ctx.emit(`event ${e.page_url}`);
    ctx.timers.setEventTime(String(ctx.timestamp), ctx.timestamp + MIN);
  },
  onTimer(_t, ctx) {
    ctx.emit(`timer ${String(ctx.key)}`);
  },
});

/** `quietAfterAMinute`'s records, re-keyed to one key and counted per window (final mode). */
export function quietCountsApp(applicationId: string, windows: WindowDefinition) {
  const app = streams({ applicationId });
  const sink = memorySink<WindowResult<string, number>>();
  const quiet = app.source('events', sourceOptions).groupByKey().process(quietAfterAMinute).groupBy(() => 'all');
  const counts = windows.kind === 'session' ? quiet.window(windows).aggregate(count(), { emit: 'final' }) : quiet.window(windows).aggregate(count(), { emit: 'final' });
  counts.to(sink);
  return { app, sink };
}
