import type { ActivityRecord } from './simulation';
import { formatDuration } from './duration';

/** Counts of what the run generated; delivery counts come from the output. */
export class RunCounters {
  sent = 0;
  late = 0;
  invalid = 0;

  count(record: ActivityRecord): void {
    this.sent++;
    if (record.kind === 'invalid') this.invalid++;
    else if (record.late) this.late++;
  }
}

/** Where a run stands. */
export interface Snapshot {
  readonly sent: number;
  readonly delivered: number;
  readonly failed: number;
  readonly late: number;
  readonly invalid: number;
  /** Sent, not yet acknowledged or failed. */
  readonly inFlight: number;
  readonly elapsedMs: number;
}

export type StopReason = 'count' | 'duration' | 'signal' | 'exhausted';

/** The last log line of a run, as fields (json) or a sentence (pretty). */
export interface Summary {
  readonly sent: number;
  readonly delivered: number;
  readonly failed: number;
  /** Still unacknowledged when the flush timed out: counted as not delivered. */
  readonly undelivered: number;
  readonly late: number;
  readonly invalid: number;
  readonly elapsed_s: number;
  /** Records sent per second, from the first send until the last delivery report. */
  readonly avg_rate: number;
  readonly stopped_by: StopReason;
}

/**
 * A rate for a log line or the summary: whole from 10/s up, else two significant digits, so a slow
 * run (`--rate 0.25`) does not read as 0 events/s.
 * @example roundRate(0.4444); // 0.44
 */
export function roundRate(perSecond: number): number {
  return perSecond >= 10 ? Math.round(perSecond) : Number(perSecond.toPrecision(2));
}

export function summarize(s: Snapshot, stoppedBy: StopReason): Summary {
  const seconds = s.elapsedMs / 1000;
  return {
    sent: s.sent,
    delivered: s.delivered,
    failed: s.failed,
    undelivered: s.inFlight,
    late: s.late,
    invalid: s.invalid,
    elapsed_s: Math.round(seconds * 1000) / 1000,
    avg_rate: seconds > 0 ? roundRate(s.sent / seconds) : 0,
    stopped_by: stoppedBy,
  };
}

export function formatSummary(s: Summary): string {
  const lost = s.failed + s.undelivered;
  return (
    `done (${s.stopped_by}): ${s.sent} sent, ${s.delivered} delivered, ${s.failed} failed` +
    (s.undelivered > 0 ? `, ${s.undelivered} unacknowledged` : '') +
    `, ${s.late} late, ${s.invalid} invalid in ${formatDuration(s.elapsed_s * 1000)} (${s.avg_rate} events/s)` +
    (lost > 0 ? ` - ${lost} records NOT delivered` : '')
  );
}
