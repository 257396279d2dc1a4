import type { HoppingWindows } from './hopping';
import type { SessionWindows } from './session';
import type { TumblingWindows } from './tumbling';

/** A half-open event-time interval `[start, end)` in epoch milliseconds. */
export interface TimeWindow {
  readonly start: number;
  readonly end: number;
}

/** Fixed-size windows, aligned to the epoch: tumbling or hopping. */
export type FixedWindows = TumblingWindows | HoppingWindows;

/** Any window definition accepted by `window()`. */
export type WindowDefinition = FixedWindows | SessionWindows;

/** What a windowed aggregation emits: the group's key, its window and the aggregate's result. */
export interface WindowResult<K, R> {
  readonly key: K;
  /** Inclusive start, epoch ms. */
  readonly windowStart: number;
  /** Exclusive end, epoch ms. For session windows: the time of the session's last record (inclusive, as in Kafka Streams). */
  readonly windowEnd: number;
  readonly value: R;
}
