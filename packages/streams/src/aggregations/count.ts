import type { MergeableAggregator } from './aggregator';

/**
 * Counts records.
 * @example events.groupBy((e) => e.page_url).window(tumbling('1m')).aggregate(count())
 */
export function count(): MergeableAggregator<unknown, number, number> {
  return COUNT;
}

const COUNT: MergeableAggregator<unknown, number, number> = Object.freeze({
  name: 'count',
  init: () => 0,
  add: (n: number) => n + 1,
  merge: (a: number, b: number) => a + b,
  result: (n: number) => n,
});
