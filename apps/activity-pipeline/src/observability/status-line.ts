import type { Logger } from '@pipeline/streams';
import type { KafkaStreamsMetrics } from '@pipeline/streams/kafka';

/**
 * Logs a status line every `intervalMs`: events/s since the last line, consumer lag, late and
 * dead-lettered records, open windows and open sessions.
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
    const sum = (o: Record<string, number>, pick: (k: string) => boolean = () => true) =>
      Object.entries(o).reduce((n, [k, v]) => (pick(k) ? n + v : n), 0);
    logger.info('status', {
      state: m.state,
      eventsPerSecond: Math.round(rate),
      records: m.recordsIn,
      lag: sum(m.lag),
      late: sum(m.late),
      deadLettered: m.deadLettered,
      openWindows: sum(m.storeEntries, (k) => k === 'page-view-counts-store' || k === 'active-users-store'),
      openSessions: m.storeEntries['session-tracker-store'] ?? 0,
      commits: m.commits,
    });
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
