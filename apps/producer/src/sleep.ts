import { setImmediate as yieldNow, setTimeout as wait } from 'node:timers/promises';

/** The longest delay Node's timers take: a longer one fires after 1 ms (with a TimeoutOverflowWarning). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Waits `ms` (timers have millisecond resolution: any positive wait is at least one), or only
 * yields to the event loop when `ms <= 0`; resolves early, without error, when `signal` aborts.
 * A wait over {@link MAX_TIMER_MS} (a --rate under 1 record in 24.8 days) resolves after that long:
 * the caller's loop waits again.
 */
export async function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return;
  if (ms <= 0) {
    await yieldNow();
    return;
  }
  try {
    await wait(Math.min(ms, MAX_TIMER_MS), undefined, { signal });
  } catch (error) {
    if ((error as Error).name !== 'AbortError') throw error;
  }
}
