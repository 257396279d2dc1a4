import type { MergeableAggregator } from './aggregator';

/** The smallest number read from the records (null for a window with none, which never is emitted). */
export function min<V>(selector: (value: V) => number): MergeableAggregator<V, number | null, number | null> {
  return extreme('min', selector, (a, b) => (b < a ? b : a));
}

/** The largest number read from the records. */
export function max<V>(selector: (value: V) => number): MergeableAggregator<V, number | null, number | null> {
  return extreme('max', selector, (a, b) => (b > a ? b : a));
}

function extreme<V>(
  name: string,
  selector: (value: V) => number,
  pick: (a: number, b: number) => number,
): MergeableAggregator<V, number | null, number | null> {
  const merge = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : pick(a, b));
  return Object.freeze({
    name,
    init: () => null,
    add: (acc: number | null, value: V) => merge(acc, selector(value)),
    merge,
    result: (acc: number | null) => acc,
  });
}
