import type { ActivityEvent } from '../src/events';

/**
 * The pipeline's results computed the slow, obvious way, independently of the engine: walk each
 * partition in offset order, keep its stream time, and apply the rules as the README states them.
 * Used by the driver test and the end-to-end test to know the exact expected tables.
 */

const MIN = 60_000;

export interface Expected {
  /** `page|windowStartMs` → views */
  pageViews: Map<string, number>;
  /** windowStartMs → distinct users */
  activeUsers: Map<number, number>;
  /** `user|startMs` → final row */
  sessions: Map<string, { status: string; end: number | null; count: number; last: number }>;
  late: { pageViews: number; activeUsers: number; sessions: number };
}

export function naiveResults(partitions: ActivityEvent[][], delayMs: number, timeoutMs: number): Expected {
  const pageViews = new Map<string, number>();
  const activeUserSets = new Map<number, Set<string>>();
  const sessions: Expected['sessions'] = new Map();
  const late = { pageViews: 0, activeUsers: 0, sessions: 0 };

  for (const events of partitions) {
    let streamTime = -Infinity;
    const open = new Map<string, { start: number; last: number; count: number }>();
    /** Each user's latest session start: a session_start at or before it is ignored (copies of it after the watermark passed it are late anyway). */
    const latestStart = new Map<string, number>();
    const write = (user: string, s: { start: number; last: number; count: number }, status: string, end: number | null) =>
      sessions.set(`${user}|${s.start}`, { status, end, count: s.count, last: s.last });

    for (const e of events) {
      const t = Date.parse(e.event_time);
      const watermarkBefore = streamTime - delayMs;
      streamTime = Math.max(streamTime, t);
      const watermark = streamTime - delayMs;

      // Timeouts due at the new watermark fire before the event, in (time, user) order.
      const due = [...open].filter(([, s]) => s.last + timeoutMs <= watermark).sort(([ua, a], [ub, b]) => a.last + timeoutMs - (b.last + timeoutMs) || (ua < ub ? -1 : 1));
      for (const [user, s] of due) {
        write(user, s, 'timed_out', s.last);
        open.delete(user);
      }

      // 1-minute tumbling page views.
      if (e.event_type === 'page_view') {
        const start = Math.floor(t / MIN) * MIN;
        if (start + MIN <= watermarkBefore) late.pageViews++;
        else pageViews.set(`${e.page_url}|${start}`, (pageViews.get(`${e.page_url}|${start}`) ?? 0) + 1);
      }

      // 5-minute windows every minute, distinct users.
      let lateForSome = false;
      for (let start = Math.floor(t / MIN) * MIN - 4 * MIN; start <= t; start += MIN) {
        if (start + 5 * MIN <= watermarkBefore) {
          lateForSome = true;
          continue;
        }
        const set = activeUserSets.get(start) ?? new Set<string>();
        set.add(e.user_id);
        activeUserSets.set(start, set);
      }
      if (lateForSome) late.activeUsers++;

      // Sessions: late events never reach the tracker.
      if (t < watermarkBefore) {
        late.sessions++;
        continue;
      }
      let s = open.get(e.user_id);
      // No event for the timeout after the last one, in event time, even before the watermark says so.
      if (s && t >= s.last + timeoutMs) {
        write(e.user_id, s, 'timed_out', s.last);
        open.delete(e.user_id);
        s = undefined;
      }
      if (e.event_type === 'session_start') {
        if (t <= (latestStart.get(e.user_id) ?? -Infinity)) continue;
        latestStart.set(e.user_id, t);
        if (s) write(e.user_id, s, 'superseded', s.last);
        const started = { start: t, last: t, count: 1 };
        open.set(e.user_id, started);
        write(e.user_id, started, 'open', null);
      } else if (e.event_type === 'session_end') {
        if (!s || t < s.start) continue;
        write(e.user_id, { start: s.start, last: Math.max(s.last, t), count: s.count + 1 }, 'ended', t);
        open.delete(e.user_id);
      } else if (s) {
        const next = { start: s.start, last: Math.max(s.last, t), count: s.count + 1 };
        open.set(e.user_id, next);
        write(e.user_id, next, 'open', null);
      }
    }
  }
  return {
    pageViews,
    activeUsers: new Map([...activeUserSets].map(([start, users]) => [start, users.size])),
    sessions,
    late,
  };
}
