import type { Duration } from '../time/duration';
import type { Key } from '../runtime/record';
import type { Sink } from '../sinks/sink';
import type { FixedWindows, WindowDefinition } from '../windows/window';
import type { SessionWindows } from '../windows/session';
import type { GroupedStream, SessionWindowedStream, WindowedStream } from './grouped-stream';
import type { NodeOptions } from './options';

/**
 * A stream of records with values of type `V` and keys of type `K`. Every method returns a new
 * stream and leaves this one as it was, so branching from a variable is safe:
 * ```ts
 * const views = events.filter((e) => e.event_type === 'page_view');
 * const clicks = events.filter((e) => e.event_type === 'click'); // `events` is unchanged
 * ```
 */
export interface Stream<V, K extends Key = Key> {
  /**
   * Keeps the records for which `predicate` is true. A type guard narrows the value type.
   * @example events.filter((e): e is PageView => e.event_type === 'page_view')
   */
  filter<S extends V>(predicate: (value: V) => value is S, options?: NodeOptions): Stream<S, K>;
  filter(predicate: (value: V) => boolean, options?: NodeOptions): Stream<V, K>;

  /**
   * Transforms each value; the key and event time stay.
   * @example events.map((e) => ({ ...e, processing_time: new Date().toISOString() }))
   */
  map<R>(mapper: (value: V) => R, options?: NodeOptions): Stream<R, K>;

  /**
   * Turns each value into zero or more values.
   * @example orders.flatMap((o) => o.lines)
   */
  flatMap<R>(mapper: (value: V) => Iterable<R>, options?: NodeOptions): Stream<R, K>;

  /**
   * Calls `action` for each record and passes it on unchanged (logging, metrics).
   * @example events.peek((e) => seen.inc())
   */
  peek(action: (value: V) => void, options?: NodeOptions): Stream<V, K>;

  /**
   * Groups records by a new key, for a windowed aggregation or a keyed processor. Records are
   * re-keyed after the lateness of each record was decided on its input partition.
   * @example events.groupBy((e) => e.page_url).window(tumbling('1m')).aggregate(count())
   */
  groupBy<K2 extends Key>(selector: (value: V) => K2, options?: NodeOptions): GroupedStream<V, K2>;

  /**
   * Groups records by their current key (the source's key): no repartition is needed, and a keyed
   * processor sees each key's records in partition order.
   * @example events.groupByKey().process(sessionTracker)
   */
  groupByKey(options?: NodeOptions): GroupedStream<V, K>;

  /**
   * Windows the whole stream as one group (key `null`): a global aggregation, e.g. distinct users.
   * @example events.window(hopping({ size: '5m', advance: '1m' })).aggregate(countDistinct((e) => e.user_id))
   */
  window(windows: FixedWindows, options?: NodeOptions): WindowedStream<V, null>;
  window(windows: SessionWindows, options?: NodeOptions): SessionWindowedStream<V, null>;
  /** Windows chosen at run time, either kind: the aggregator must be mergeable (see GroupedStream.window). */
  window(windows: WindowDefinition, options?: NodeOptions): SessionWindowedStream<V, null>;

  /**
   * Writes every record to `sink`. The sink's record type must accept `V`.
   * @example events.to(kafkaSink({ topic: 'enriched_activity', key: (e) => e.user_id }))
   */
  to(sink: Sink<V>, options?: NodeOptions): void;
}

/** A stream read from a topic: the only place the watermark is set. */
export interface SourceStream<V, K extends Key = Key> extends Stream<V, K> {
  /**
   * Lets event time lag: the watermark of each partition trails its stream time (the greatest
   * event time seen there) by `delay`. A record is late for a window when the window's end is at or
   * before the watermark of the record's partition just before the record.
   * @example app.source('user_activity', { ... }).withWatermark('2m')
   */
  withWatermark(delay: Duration): Stream<V, K>;
}

/** The results of a stateful operator, and the records it left out because they were late. */
export interface StatefulStream<R, K extends Key, V> extends Stream<R, K> {
  /**
   * The records this operator excluded because they were late. Pass-through branches of the input
   * still see them; this is where to count, log or store them.
   * @example counts.late().to(lateEventsSink)
   */
  late(options?: NodeOptions): Stream<V, K>;
}
