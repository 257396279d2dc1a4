import { busyShare, type Logger, type SinkThread } from '@pipeline/streams';
import type { KafkaStreamsMetrics } from '@pipeline/streams/kafka';

/**
 * Logs a status line every `intervalMs`: events/s since the last line, consumer lag, late records
 * per operator (one late event is late in every window and processor it reaches: a sum would count
 * it two or three times), dead-lettered records, open page-view windows (one per window and page), the users the
 * active-users windows hold (each once, whatever the number of windows it is in), the sessions
 * held in state (the open ones, and closed ones until the watermark passes their start), and how busy each sink thread was since the last line (near 1: it holds the commits back).
 */
export function startStatusLine(logger: Logger, intervalMs: number, read: () => KafkaStreamsMetrics, sinkThreads: readonly SinkThread[] = []): () => void {
  let previous = read().recordsIn;
  let previousAt = Date.now();
  const busyBefore = new Map(sinkThreads.map((t) => [t, t.stats()]));
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
      late: { ...m.late },
      deadLettered: m.deadLettered,
      openWindows: m.storeEntries['page-view-counts-store'] ?? 0,
      activeUsersHeld: m.storeEntries['active-users-store'] ?? 0,
      // Not only open ones: a closed session stays in state until the watermark passes its start.
      sessionsHeld: m.storeEntries['session-tracker-store'] ?? 0,
      commits: m.commits,
      ...(sinkThreads.length > 0 ? { sinkThreadBusy: Object.fromEntries(sinkThreads.map((t) => [t.name, busySince(t)])) } : {}),
    });
  }, intervalMs);
  /** The share of the time since the last line the thread was busy, to two decimals. */
  function busySince(thread: SinkThread): number {
    const now = thread.stats();
    const before = busyBefore.get(thread)!;
    busyBefore.set(thread, now);
    return Math.round((busyShare(before, now) ?? 0) * 100) / 100;
  }
  timer.unref();
  return () => clearInterval(timer);
}
