import type { Logger } from '@pipeline/streams';
import type { KafkaStreamsMetrics } from '@pipeline/streams/kafka';

/**
 * Logs a status line every `intervalMs`: events/s since the last line, consumer lag, late and
 * dead-lettered records, open page-view windows (one per window and page), the users the
 * active-users windows hold (each once, whatever the number of windows it is in) and open sessions.
 */
export function startStatusLine(logger: Logger, intervalMs: number, read: () => KafkaStreamsMetrics): () => void {
  let previous = read().recordsIn;
  let previousAt = Date.now();
  const timer = setInterval(() => {
    const m = read();
    const now = Date.now();
    const rate = ((m.recordsIn - previous) * 1000) / Math.max(1, now - previousAt);
    previous = m.recordsIn;
    previousAt = now;
    const sum = (o: Record<string, number>) => Object.values(o).reduce((n, v) => n + v, 0);
    logger.info('status', {
      state: m.state,
      eventsPerSecond: Math.round(rate),
      records: m.recordsIn,
      lag: sum(m.lag),
      late: sum(m.late),
      deadLettered: m.deadLettered,
      openWindows: m.storeEntries['page-view-counts-store'] ?? 0,
      activeUsersHeld: m.storeEntries['active-users-store'] ?? 0,
      openSessions: m.storeEntries['session-tracker-store'] ?? 0,
      commits: m.commits,
    });
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
