import { processor, type KeyedProcessor, type ProcessorContext } from '@pipeline/streams';
import type { ActivityEvent } from '../events';
import type { SessionRow, SessionStatus } from './session-row';

/** What the tracker keeps per user: its latest session, open, or closed and kept for a while. */
export interface UserSession {
  readonly start: number;
  /** Updated in place by each event of the session (no new object per event). */
  last: number;
  count: number;
  /**
   * Closed, and kept until the watermark passes its start: until then a re-delivered copy of its
   * `session_start` is on time, and must be taken for the duplicate it is, not reopen the session
   * over its final row. (State saved before this field existed holds open sessions only.)
   */
  closed?: true;
}

type Context = ProcessorContext<string, SessionRow, UserSession>;

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
 * `session_start` at or before the start of the user's latest session, open or closed, is a
 * duplicate (a retried beacon) or out of order, and ignored: it must not reopen a session over its
 * final row, nor close a later one; a `session_end` earlier than the open session's start belongs
 * to no open session and is ignored. Late events (behind the watermark) never reach the tracker:
 * the engine counts them. So a closed session is kept (`closed`) until the watermark passes its
 * start, when any copy of its start would be late.
 *
 * @example events.groupByKey().process(sessionTracker(30 * 60_000)).to(sessionsSink)
 */
export function sessionTracker(timeoutMs: number): KeyedProcessor<string, ActivityEvent, SessionRow, UserSession> {
  const row = (ctx: Context, s: UserSession, status: SessionStatus, end: number | null): SessionRow => ({
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
  const open = (ctx: Context, s: UserSession) => {
    ctx.state.set(s);
    ctx.timers.setEventTime('timeout', s.last + timeoutMs);
    ctx.emitLatest(s.start, row(ctx, s, 'open', null), s.start);
  };

  const close = (ctx: Context, s: UserSession, status: SessionStatus, end: number) => {
    ctx.emitLatest(s.start, row(ctx, s, status, end), s.start);
    // A copy of its session_start at or after the watermark is not late: keep the session until
    // the watermark passes its start (the timer fires once the watermark reaches start + 1).
    if (s.start >= ctx.watermark) {
      ctx.state.set({ start: s.start, last: s.last, count: s.count, closed: true });
      ctx.timers.setEventTime('timeout', s.start + 1);
    } else {
      ctx.state.clear();
      ctx.timers.cancel('timeout');
    }
  };

  return processor<ActivityEvent, SessionRow, UserSession>({
    name: 'session-tracker',
    process(event, ctx) {
      const t = ctx.timestamp;
      const latest = ctx.state.get();
      let current = latest?.closed ? undefined : latest;
      if (current && t >= current.last + timeoutMs) {
        // The timer is due but has not fired: the watermark trails the event time. By event time
        // the session ended before this event, so close it first; otherwise whether a gap closes a
        // session would depend on the watermark delay.
        close(ctx, current, 'timed_out', current.last);
        current = undefined;
      }
      switch (event.event_type) {
        case 'session_start':
          if (latest !== undefined && t <= latest.start) return; // a duplicate, or out of order
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
      const latest = ctx.state.get();
      if (latest?.closed) ctx.state.clear(); // the watermark passed its start: copies of it are late
      else if (latest) close(ctx, latest, 'timed_out', latest.last);
    },
  });
}
