import { setImmediate as yieldNow, setTimeout as wait } from 'node:timers/promises';

/**
 * Waits `ms` (timers have millisecond resolution: any positive wait is at least one), or only
 * yields to the event loop when `ms <= 0`; resolves early, without error, when `signal` aborts.
 */
export async function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return;
  if (ms <= 0) {
    await yieldNow();
    return;
  }
  try {
    await wait(ms, undefined, { signal });
  } catch (error) {
    if ((error as Error).name !== 'AbortError') throw error;
  }
}
