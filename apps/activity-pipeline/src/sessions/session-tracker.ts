import { processor, type KeyedProcessor, type ProcessorContext } from '@pipeline/streams';
import type { ActivityEvent } from '../events';
import type { SessionRow, SessionStatus } from './session-row';

/** What the tracker keeps per user: the open session, if any. */
export interface OpenSession {
  readonly start: number;
  /** Updated in place by each event of the session (no new object per event). */
  last: number;
  count: number;
}

type Context = ProcessorContext<string, SessionRow, OpenSession>;

/**
 * Tracks user sessions from explicit events, per user, in event time:
 * - `session_start` opens a session (a row with status `open`, no end);
 * - `page_view` and `click` in an open session count towards it and push its timeout back;
 * - `session_end` closes it: status `ended`, `session_end` = its time, duration from the start;
 * - no event for `timeout` after the last one closes it as `timed_out` (end = last event time):
 *   when the watermark passes that time, or, sooner, when an event of the user comes that late;
 * - `session_start` while a session is open closes that one as `superseded` and opens a new one.
 * Edge cases, decided: a `session_end` with no open session (never started, or a duplicate end)
 * and activity outside a session are ignored (they still reach the lake and the enriched topic); a
 * repeated `session_start` at the same time as the open session's start is a duplicate and
 * ignored; a `session_end` earlier than the open session's start belongs to no open session and is
 * ignored. Late events (behind the watermark) never reach the tracker: the engine counts them.
 *
 * @example events.groupByKey().process(sessionTracker(30 * 60_000)).to(sessionsSink)
 */
export function sessionTracker(timeoutMs: number): KeyedProcessor<string, ActivityEvent, SessionRow, OpenSession> {
  const row = (ctx: Context, s: OpenSession, status: SessionStatus, end: number | null): SessionRow => ({
    user_id: ctx.key,
    session_start: s.start,
    session_end: end,
    duration_seconds: end === null ? null : (end - s.start) / 1000,
    status,
    event_count: s.count,
    last_event_time: s.last,
  });

  // Rows go out with emitLatest under the session's start: per commit, the sink gets one row per
  // session that changed (its latest state, open or closed), not one per event.
  const open = (ctx: Context, s: OpenSession) => {
    ctx.state.set(s);
    ctx.timers.setEventTime('timeout', s.last + timeoutMs);
    ctx.emitLatest(s.start, row(ctx, s, 'open', null), s.start);
  };

  const close = (ctx: Context, s: OpenSession, status: SessionStatus, end: number) => {
    ctx.state.clear();
    ctx.timers.cancel('timeout');
    ctx.emitLatest(s.start, row(ctx, s, status, end), s.start);
  };

  return processor<ActivityEvent, SessionRow, OpenSession>({
    name: 'session-tracker',
    process(event, ctx) {
      const t = ctx.timestamp;
      let current = ctx.state.get();
      if (current && t >= current.last + timeoutMs) {
        // The timer is due but has not fired: the watermark trails the event time. By event time
        // the session ended before this event, so close it first; otherwise whether a gap closes a
        // session would depend on the watermark delay.
        close(ctx, current, 'timed_out', current.last);
        current = undefined;
      }
      switch (event.event_type) {
        case 'session_start':
          if (current?.start === t) return; // duplicate
          if (current) close(ctx, current, 'superseded', current.last);
          open(ctx, { start: t, last: t, count: 1 });
          return;
        case 'session_end':
          if (current === undefined || t < current.start) return;
          close(ctx, { start: current.start, last: Math.max(current.last, t), count: current.count + 1 }, 'ended', t);
          return;
        default:
          if (current === undefined) return;
          current.last = Math.max(current.last, t);
          current.count++;
          open(ctx, current);
      }
    },
    onTimer(_timer, ctx) {
      const current = ctx.state.get();
      if (current) close(ctx, current, 'timed_out', current.last);
    },
  });
}
