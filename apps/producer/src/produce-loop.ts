import type { RecordOutput } from './kafka-output';
import type { Clock, TokenBucket } from './pacing';
import type { ActivityRecord } from './simulation';
import type { RunCounters, StopReason } from './stats';

export interface ProduceLoopOptions {
  readonly records: Iterator<ActivityRecord>;
  readonly output: RecordOutput;
  readonly pacer: TokenBucket;
  readonly counters: RunCounters;
  readonly clock: Clock;
  /** Aborted by SIGINT / SIGTERM: stop taking new records. */
  readonly signal: AbortSignal;
  readonly count?: number;
  readonly durationMs?: number;
  /** Most records per wake-up, so signals and delivery reports are handled in between. */
  readonly maxBatch?: number;
  /** Waits `ms` or until `signal` aborts; injected in tests with a clock that jumps instead. */
  readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
}

/**
 * Sends records at the pacer's rate until the count, the duration or a signal says stop. Each
 * wake-up sends the batch the token bucket allows, then sleeps until the next token (or just
 * yields when the rate is more than one wake-up can carry). Returns why it stopped; records handed
 * to the output may still be in flight.
 */
export async function produceLoop(o: ProduceLoopOptions): Promise<StopReason> {
  const deadline = o.durationMs === undefined ? Infinity : o.clock.now() + o.durationMs;
  const maxBatch = o.maxBatch ?? 10_000;
  for (;;) {
    if (o.signal.aborted) return 'signal';
    if (o.count !== undefined && o.counters.sent >= o.count) return 'count';
    const now = o.clock.now();
    if (now >= deadline) return 'duration';
    const n = o.pacer.take(o.count === undefined ? maxBatch : Math.min(maxBatch, o.count - o.counters.sent));
    for (let i = 0; i < n; i++) {
      const next = o.records.next();
      if (next.done) return 'exhausted';
      const record = next.value;
      const value = Buffer.from(record.value);
      while (!o.output.offer(record.key, value)) {
        await o.output.waitForRoom();
        if (o.signal.aborted) return 'signal';
      }
      o.counters.count(record);
    }
    // Done with the last record: the wait for the next token is not part of the run.
    if (o.count !== undefined && o.counters.sent >= o.count) return 'count';
    await o.sleep(Math.min(o.pacer.waitMs(), deadline - o.clock.now()), o.signal);
  }
}
