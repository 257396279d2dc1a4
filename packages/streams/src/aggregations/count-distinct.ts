import { distinctKey, fromDistinctKey, type Distinct } from '../util/distinct';
import type { EntriesCodec, Json } from '../util/json';
import type { MergeableAggregator } from './aggregator';

/**
 * The distinct values seen, remembering which were added since the last checkpoint so that a
 * commit saves only those (a window of a million users is not written again at every commit).
 */
export class DistinctValues extends Set<Distinct> {
  private added: Distinct[] = [];

  override add(value: Distinct): this {
    if (!this.has(value)) {
      super.add(value);
      this.added?.push(value); // `added` is not there yet while Set's constructor runs
    }
    return this;
  }

  takeAdded(): Distinct[] {
    const added = this.added;
    this.added = [];
    return added;
  }
}

const codec: EntriesCodec<DistinctValues> = {
  takeChanges: (seen) => seen.takeAdded().map((v) => [distinctKey(v), 1] as const),
  // A generator: a window of a million users is streamed into a snapshot, not copied first.
  *entries(seen) {
    for (const v of seen) yield [distinctKey(v), 1 as Json] as const;
  },
  fromEntries: (entries) => {
    const seen = new DistinctValues();
    for (const [k] of entries) seen.add(fromDistinctKey(k));
    seen.takeAdded();
    return seen;
  },
};

/** countDistinct's aggregator, with its selector for the window operator that keeps values once. */
export interface DistinctCounter<V> extends MergeableAggregator<V, DistinctValues, number> {
  readonly distinctOf: (value: V) => Distinct;
}

/** The aggregators countDistinct made: one copied into `aggregator({ ...countDistinct(f), … })` is not, and runs generically. */
const genuine = new WeakSet<object>();

export function isDistinctCounter(aggregator: object): aggregator is DistinctCounter<unknown> {
  return genuine.has(aggregator);
}

/**
 * The exact number of distinct values read from the records. Memory grows with the number of
 * distinct values; {@link approxCountDistinct} bounds it. Over tumbling and hopping windows each
 * value is kept once per key with the windows it is in, not once per window (a user in five
 * overlapping windows costs one entry, and one changelog write per new window, not five). Durable
 * state saves only what changed since the last commit.
 * @example events.window(hopping({ size: '5m', advance: '1m' })).aggregate(countDistinct((e) => e.user_id))
 */
export function countDistinct<V>(selector: (value: V) => Distinct): DistinctCounter<V> {
  const counter: DistinctCounter<V> = Object.freeze({
    name: 'countDistinct',
    distinctOf: selector,
    init: () => new DistinctValues(),
    add: (seen: DistinctValues, value: V) => seen.add(selector(value)),
    merge: (a: DistinctValues, b: DistinctValues) => {
      for (const v of b) a.add(v);
      return a;
    },
    result: (seen: DistinctValues) => seen.size,
    codec,
  });
  genuine.add(counter);
  return counter;
}
