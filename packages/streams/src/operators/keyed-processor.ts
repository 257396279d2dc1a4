import type { Codec } from '../util/json';

/** This key's state in a keyed processor. */
export interface KeyState<S> {
  get(): S | undefined;
  set(value: S): void;
  clear(): void;
}

/**
 * Named timers of the current key. Setting a timer that exists moves it, so a processor never has
 * to remember which timers it set.
 */
export interface KeyTimers {
  /**
   * Fires `onTimer` once the watermark reaches `time` (event time: deterministic on replay). A
   * `time` the watermark has already reached, set from `process`, fires when the watermark next
   * moves, as in Flink, or, below another stateful operator, before the next result of it that
   * carries a watermark at or past `time`; set from `onTimer`, it fires in the same pass, after
   * the timer firing.
   */
  setEventTime(name: string, time: number): void;
  /**
   * Fires `onTimer` once the wall clock reaches `time` (processing time: not deterministic). Both
   * throw a RangeError for a `time` that is not finite (Infinity, NaN): cancel a timer instead.
   */
  setProcessingTime(name: string, time: number): void;
  cancel(name: string): void;
  /** The time a timer of this key is set to, if it is set. */
  get(name: string): number | undefined;
}

export interface Timer {
  readonly name: string;
  readonly time: number;
  readonly type: 'event-time' | 'processing-time';
}

/** What a keyed processor can do while it handles a record or a timer of one key. */
export interface ProcessorContext<K, Out, S> {
  readonly key: K;
  /** Event time of the record, or the time the timer was set for. */
  readonly timestamp: number;
  /** The task's watermark: every event-time timer at or before it has fired, except those set since it last moved. */
  readonly watermark: number;
  /** Wall-clock time (virtual under the test driver). */
  readonly wallClockTime: number;
  readonly state: KeyState<S>;
  readonly timers: KeyTimers;
  /** Sends a record downstream now, by default with the current event time. */
  emit(value: Out, timestamp?: number): void;
  /**
   * Sends a record downstream at the next commit, replacing anything this key emitted under the
   * same `id` since the last commit: for results that keep changing (a session's running count),
   * an upsert sink then gets one row per commit instead of one per event.
   * @example ctx.emitLatest(session.start, row) // the open row, then the closed one, share an id
   */
  emitLatest(id: string | number, value: Out, timestamp?: number): void;
}

/**
 * Per-key stateful processing with timers: the building block for what windows cannot express
 * (user sessions with explicit start and end events, deduplication, alerts on silence…).
 *
 * Records arrive in the order of their input partition. A source's record behind the watermark of
 * its partition is late: it goes to `late()` and never reaches `process`, so a processor never sees
 * such a record older than a timer that already fired (one at the timer's own time, it may). The
 * results of a stateful operator above (a window's, stamped with its start; what a processor
 * emits, whatever its stamp) are never late: they were made at the watermark they carry.
 *
 * @example
 * const firstSeen = processor<Click, { user: string; at: number }, true>({
 *   process(click, ctx) {
 *     if (ctx.state.get()) return;
 *     ctx.state.set(true);
 *     ctx.emit({ user: click.user, at: ctx.timestamp });
 *   },
 * });
 */
export interface KeyedProcessor<K, V, Out, S> {
  readonly name?: string;
  /** How state values are saved, when they are not plain JSON. */
  readonly stateCodec?: Codec<S>;
  // Function-typed properties, not methods: methods' parameters are checked both ways, which let a
  // processor of values with fields the stream lacks compile.
  readonly process: (value: V, context: ProcessorContext<K, Out, S>) => void;
  readonly onTimer?: (timer: Timer, context: ProcessorContext<K, Out, S>) => void;
}

/** Declares a keyed processor; give the record, output and state types as type arguments. */
export function processor<V, Out, S = never, K = string>(
  definition: KeyedProcessor<K, V, Out, S>,
): KeyedProcessor<K, V, Out, S> {
  return Object.freeze({ ...definition });
}
