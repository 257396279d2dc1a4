import type { Json } from '../util/json';
import type { MergeableAggregator } from './aggregator';

type Distinct = string | number;

/**
 * The exact number of distinct values read from the records. Memory grows with the number of
 * distinct values per window; {@link approxCountDistinct} bounds it.
 * @example events.window(hopping({ size: '5m', advance: '1m' })).aggregate(countDistinct((e) => e.user_id))
 */
export function countDistinct<V>(selector: (value: V) => Distinct): MergeableAggregator<V, Set<Distinct>, number> {
  return Object.freeze({
    name: 'countDistinct',
    init: () => new Set<Distinct>(),
    add: (seen: Set<Distinct>, value: V) => seen.add(selector(value)),
    merge: (a: Set<Distinct>, b: Set<Distinct>) => {
      for (const v of b) a.add(v);
      return a;
    },
    result: (seen: Set<Distinct>) => seen.size,
    codec: {
      encode: (seen: Set<Distinct>): Json => [...seen],
      decode: (json: Json) => new Set(json as Distinct[]),
    },
  });
}
