import { setImmediate as nextTurn } from 'node:timers/promises';

/** Records the runtime processes between two turns of the event loop. */
export const RECORDS_PER_TURN = 1_000;

/**
 * Hands `records` to `process` a slice at a time, and gives the event loop a turn between slices.
 * A commit in flight advances only on those turns: each step of its writes continues in a
 * callback (PostgreSQL's reply, a file written and fsynced, librdkafka's delivery reports). One
 * 5,000-record batch processed in one go holds each such step back for the whole batch
 * (100-250 ms on the reference pipeline), and a commit has several steps.
 */
export async function processInSlices<R>(records: readonly R[], process: (slice: readonly R[]) => void, size = RECORDS_PER_TURN): Promise<void> {
  for (let start = 0; start < records.length; start += size) {
    if (start > 0) await nextTurn();
    process(records.slice(start, start + size));
  }
}
