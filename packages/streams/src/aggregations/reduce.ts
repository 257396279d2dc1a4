import type { MergeableAggregator } from './aggregator';

/**
 * Folds the records' values with `combine`. The result is the first value when a window holds
 * one record. `combine` should be associative (sessions merge partial results) and, since records
 * from different partitions interleave in no fixed order, commutative for results that do not
 * depend on that order.
 * @example readings.groupByKey().window(tumbling('1m')).aggregate(reduce((a, b) => (b.celsius > a.celsius ? b : a)))
 */
export function reduce<V>(combine: (a: V, b: V) => V): MergeableAggregator<V, V | undefined, V> {
  const merge = (a: V | undefined, b: V | undefined) => (a === undefined ? b : b === undefined ? a : combine(a, b));
  return Object.freeze({
    name: 'reduce',
    init: () => undefined,
    add: (acc: V | undefined, value: V) => (acc === undefined ? value : combine(acc, value)),
    merge,
    result: (acc: V | undefined) => acc as V,
  });
}
