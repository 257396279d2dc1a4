import type { MergeableAggregator } from './aggregator';
import { numberCodec } from './number-codec';

/**
 * Sums a number read from each record.
 * @example orders.groupBy((o) => o.shop).window(tumbling('1h')).aggregate(sum((o) => o.amount))
 */
export function sum<V>(selector: (value: V) => number): MergeableAggregator<V, number, number> {
  return Object.freeze({
    name: 'sum',
    init: () => 0,
    add: (total: number, value: V) => total + selector(value),
    merge: (a: number, b: number) => a + b,
    result: (total: number) => total,
    codec: numberCodec<number>(),
  });
}
