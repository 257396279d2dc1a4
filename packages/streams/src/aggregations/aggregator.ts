import type { StateCodec } from '../util/json';

/**
 * An aggregation: `init` a fresh accumulator, `add` each record's value to it, `result` reads the
 * answer. `add` and `merge` may mutate the accumulator they are given and return it (no copy per
 * record), and `result` may return it (an update-mode result is sent as a copy); `add` must not
 * mutate the record's value, which other windows and branches share. `merge` combines two
 * accumulators; session windows need it to join sessions. Accumulators that are not plain JSON (a Set, bytes, a number that may be Infinity or NaN, which
 * JSON writes as null) give a `codec` so durable stores can save them; an `EntriesCodec` saves a large accumulator part by part.
 *
 * @example
 * const average = aggregator({
 *   name: 'average',
 *   init: () => ({ sum: 0, n: 0 }),
 *   add: (acc, e: { ms: number }) => ({ sum: acc.sum + e.ms, n: acc.n + 1 }),
 *   merge: (a, b) => ({ sum: a.sum + b.sum, n: a.n + b.n }),
 *   result: (acc) => acc.sum / acc.n,
 * });
 */
export interface Aggregator<in V, A, out R> {
  readonly name: string;
  init(): A;
  add(accumulator: A, value: V): A;
  merge?(a: A, b: A): A;
  result(accumulator: A): R;
  readonly codec?: StateCodec<A>;
}

/**
 * An aggregator as `aggregate()` takes it: `add` is also checked as a function, whose parameters
 * TypeScript checks one way, where a method's are checked both ways, which let an aggregator of
 * values with fields the stream lacks compile.
 */
export type StrictAggregator<V, A, R> = Aggregator<V, A, R> & { add: (accumulator: A, value: V) => A };

/** An aggregator that can merge accumulators: required by session windows. */
export type MergeableAggregator<V, A, R> = Aggregator<V, A, R> & { merge(a: A, b: A): A };

/**
 * Declares a user-defined aggregator with its types inferred from the functions. One given
 * `merge` stays a {@link MergeableAggregator}, so session windows accept it.
 */
export function aggregator<V, A, R>(definition: MergeableAggregator<V, A, R>): MergeableAggregator<V, A, R>;
export function aggregator<V, A, R>(definition: Aggregator<V, A, R>): Aggregator<V, A, R>;
export function aggregator<V, A, R>(definition: Aggregator<V, A, R>): Aggregator<V, A, R> {
  return Object.freeze({ ...definition });
}
