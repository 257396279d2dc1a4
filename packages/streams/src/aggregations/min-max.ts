import type { MergeableAggregator } from './aggregator';
import { numberCodec } from './number-codec';

/**
 * The smallest number read from the records. A window exists once a record is in it, so its
 * result is a number (the empty accumulator's null is never a result). A NaN makes it NaN, as it
 * does Math.min and sum, whatever the order the records came in (a comparison alone would keep
 * whichever came first, and the result would depend on how partitions interleaved).
 */
export function min<V>(selector: (value: V) => number): MergeableAggregator<V, number | null, number> {
  return extreme('min', selector, (a, b) => (b < a || Number.isNaN(b) ? b : a));
}

/** The largest number read from the records; NaN if one is NaN (see min). */
export function max<V>(selector: (value: V) => number): MergeableAggregator<V, number | null, number> {
  return extreme('max', selector, (a, b) => (b > a || Number.isNaN(b) ? b : a));
}

function extreme<V>(
  name: string,
  selector: (value: V) => number,
  pick: (a: number, b: number) => number,
): MergeableAggregator<V, number | null, number> {
  const merge = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : pick(a, b));
  return Object.freeze({
    name,
    init: () => null,
    add: (acc: number | null, value: V) => merge(acc, selector(value)),
    merge,
    // Only ever called on a window that took a record: not null.
    result: (acc: number | null) => acc as number,
    codec: numberCodec<number | null>(),
  });
}
