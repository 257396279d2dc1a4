import type { MergeableAggregator } from './aggregator';
import { numberCodec } from './number-codec';

/**
 * The smallest number read from the records. A window exists once a record is in it, so its
 * result is a number (the empty accumulator's null is never a result).
 */
export function min<V>(selector: (value: V) => number): MergeableAggregator<V, number | null, number> {
  return extreme('min', selector, (a, b) => (b < a ? b : a));
}

/** The largest number read from the records. */
export function max<V>(selector: (value: V) => number): MergeableAggregator<V, number | null, number> {
  return extreme('max', selector, (a, b) => (b > a ? b : a));
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
