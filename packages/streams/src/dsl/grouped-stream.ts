import type { MergeableAggregator, StrictAggregator } from '../aggregations/aggregator';
import type { KeyedProcessor } from '../operators/keyed-processor';
import type { Key } from '../runtime/record';
import type { FixedWindows, WindowDefinition, WindowResult } from '../windows/window';
import type { SessionWindows } from '../windows/session';
import type { AggregateOptions, NodeOptions, ProcessOptions } from './options';
import type { StatefulStream } from './stream';

/** Records grouped by a key: window them, or process them per key. */
export interface GroupedStream<V, K extends Key> {
  /**
   * Fixed windows per key.
   * @example grouped.window(tumbling('1m')).aggregate(count())
   */
  window(windows: FixedWindows, options?: NodeOptions): WindowedStream<V, K>;
  /**
   * Session windows per key.
   * @example grouped.window(session('30m')).aggregate(count())
   */
  window(windows: SessionWindows, options?: NodeOptions): SessionWindowedStream<V, K>;
  /**
   * Windows chosen at run time (read from configuration): either kind, so the aggregator must be
   * mergeable, as for sessions. A definition written as an object is checked as the factories
   * check theirs (a positive size; a tumbling window's advance is its size; a hopping window's is
   * at most its size).
   * @example grouped.window(settings.sessions ? session('30m') : tumbling('1m')).aggregate(count())
   */
  window(windows: WindowDefinition, options?: NodeOptions): SessionWindowedStream<V, K>;

  /**
   * Runs a keyed processor: per-key state, event-time and processing-time timers.
   * @example events.groupByKey().process(sessionTracker)
   */
  process<Out, S>(processor: KeyedProcessor<K, V, Out, S>, options?: ProcessOptions): StatefulStream<Out, K, V>;
}

/** Records grouped and windowed: aggregate them. */
export interface WindowedStream<V, K extends Key> {
  /**
   * Aggregates each window of each key.
   * @example grouped.window(tumbling('1m')).aggregate(count(), { emit: 'final' })
   */
  aggregate<A, R>(aggregator: StrictAggregator<V, A, R>, options?: AggregateOptions): StatefulStream<WindowResult<K, R>, K, V>;
}

/** Records grouped into session windows: aggregate them with a mergeable aggregator. */
export interface SessionWindowedStream<V, K extends Key> {
  /**
   * Aggregates each session of each key. Sessions merge, so the aggregator must have `merge`.
   * In `update` mode a session that merges into another is retracted (upsert sinks delete it).
   * @example grouped.window(session('30m')).aggregate(count())
   */
  aggregate<A, R>(
    aggregator: MergeableAggregator<V, A, R> & StrictAggregator<V, A, R>,
    options?: AggregateOptions,
  ): StatefulStream<WindowResult<K, R>, K, V>;
}
