import { Presets, SingleBar } from 'cli-progress';
import type { Logger } from './logger';
import { roundRate, type Snapshot } from './stats';

export interface ProgressOptions {
  /** `bar`: a progress bar on stderr (a terminal); `log`: a log line every `intervalMs`. */
  readonly mode: 'bar' | 'log';
  readonly logger: Logger;
  readonly read: () => Snapshot;
  /** Records expected in all (from --count, or rate × --duration); undefined: open-ended. */
  readonly total?: number;
  readonly intervalMs?: number;
}

export interface Progress {
  stop(): void;
}

/**
 * Shows how the run goes until `stop()`: a progress bar with the current rate and totals, or
 * structured log lines (sent/s over the last interval, totals) when there is no terminal.
 */
export function startProgress(options: ProgressOptions): Progress {
  return options.mode === 'bar' ? startBar(options) : startLog(options);
}

/**
 * Records the run is expected to send (the progress bar's 100 %): `count`, or `rate` × `durationMs`,
 * the smaller when both are set (the run stops at whichever comes first); undefined when open-ended.
 */
export function expectedTotal(o: { readonly count: number | undefined; readonly rate: number; readonly durationMs: number | undefined }): number | undefined {
  const byDuration = o.durationMs === undefined ? undefined : Math.ceil((o.rate * o.durationMs) / 1000);
  if (o.count === undefined) return byDuration;
  return byDuration === undefined ? o.count : Math.min(o.count, byDuration);
}

/** Events per second between two snapshots. */
function rateBetween(before: Snapshot, after: Snapshot): number {
  const ms = after.elapsedMs - before.elapsedMs;
  return ms > 0 ? roundRate(((after.sent - before.sent) * 1000) / ms) : 0;
}

function startLog({ logger, read, intervalMs = 5_000 }: ProgressOptions): Progress {
  let last = read();
  const timer = setInterval(() => {
    const now = read();
    logger.info('progress', {
      rate: rateBetween(last, now),
      sent: now.sent,
      delivered: now.delivered,
      failed: now.failed,
      in_flight: now.inFlight,
      late: now.late,
      invalid: now.invalid,
      elapsed_s: Math.round(now.elapsedMs / 1000),
    });
    last = now;
  }, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

function startBar({ read, total, intervalMs = 250 }: ProgressOptions): Progress {
  const counts = '{value} sent | {delivered} delivered | {failed} failed | {late} late | {invalid} invalid | {rate}/s';
  const bar = new SingleBar({
    format: total === undefined ? `producing | ${counts} | {duration_formatted}` : `{bar} {percentage}% | ${counts} | {duration_formatted} (ETA {eta_formatted})`,
    barsize: 24,
    hideCursor: true,
    gracefulExit: false, // main handles SIGINT: it stops the bar, then flushes
    etaBuffer: 40,
  }, Presets.shades_classic);
  const payload = (s: Snapshot, rate: number) => ({ delivered: s.delivered, failed: s.failed, late: s.late, invalid: s.invalid, rate });
  let last = read();
  let rate = 0;
  bar.start(total ?? 0, 0, payload(last, rate));
  const timer = setInterval(() => {
    const now = read();
    // Measured over a second or more, so the rate does not flicker between batches.
    if (now.elapsedMs - last.elapsedMs >= 1000) {
      rate = rateBetween(last, now);
      last = now;
    }
    bar.update(now.sent, payload(now, rate));
  }, intervalMs);
  timer.unref();
  return {
    stop: () => {
      clearInterval(timer);
      const now = read();
      bar.update(now.sent, payload(now, rate));
      bar.stop();
    },
  };
}
