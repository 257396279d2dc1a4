import { setImmediate as nextTurn } from 'node:timers/promises';

/** Records the runtime processes between two turns of the event loop. */
export const RECORDS_PER_TURN = 1_000;

/**
 * Takes `records` out of their array a slice at a time, hands each slice to `process`, and gives
 * the event loop a turn between slices. The array is empty at the end.
 *
 * The turns: a commit in flight advances only on them, since each step of its writes continues
 * in a callback (PostgreSQL's reply, a file written and fsynced, librdkafka's delivery reports).
 * One 5,000-record batch processed in one go holds each such step back for the whole batch
 * (100-250 ms on the reference pipeline), and a commit has several steps.
 *
 * Taking the records out: a processed record is garbage at once, instead of living as long as
 * its batch. The young generation's collections copy whatever is alive, and a batch of
 * node-rdkafka messages (each with its Buffers) alive from start to end was most of what they
 * copied (see tools/bench/MEASUREMENTS.md).
 */
export async function processInSlices<R>(records: R[], process: (slice: readonly R[]) => void, size = RECORDS_PER_TURN): Promise<void> {
  for (let first = true; records.length > 0; first = false) {
    if (!first) await nextTurn();
    process(records.splice(0, size));
  }
}
