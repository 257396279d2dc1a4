import { ownCopy } from '../util/copy';
import type { MergeableAggregator } from './aggregator';

/**
 * Folds the records' values with `combine`. The result is the first value when a window holds
 * one record. `combine` should be associative (sessions merge partial results) and, since records
 * from different partitions interleave in no fixed order, commutative for results that do not
 * depend on that order.
 *
 * `combine` may mutate its first argument and return it: the accumulator is reduce's own copy.
 * A record's value is shared (a hopping record reaches several windows, and other branches of the
 * stream see the same object), so reduce copies a value before it becomes an accumulator: when a
 * window takes its first record, and when `combine` returns the record's value.
 * @example readings.groupByKey().window(tumbling('1m')).aggregate(reduce((a, b) => (b.celsius > a.celsius ? b : a)))
 */
export function reduce<V>(combine: (a: V, b: V) => V): MergeableAggregator<V, V | undefined, V> {
  const merge = (a: V | undefined, b: V | undefined) => (a === undefined ? b : b === undefined ? a : combine(a, b));
  return Object.freeze({
    name: 'reduce',
    init: () => undefined,
    add: (acc: V | undefined, value: V) => {
      const next = acc === undefined ? value : combine(acc, value);
      return next === value ? ownCopy(value) : next;
    },
    merge,
    result: (acc: V | undefined) => acc as V,
  });
}

