import type { Static, TSchema } from '@sinclair/typebox';
import type { DeadLetter } from '../sources/dead-letter';
import type { ProcessingErrors } from '../runtime/processing-failure';
import type { Sink } from '../sinks/sink';
import type { StoreFactory } from '../state/state-store';
import type { EmitMode } from '../topology/nodes';
import type { Duration } from '../time/duration';

/** Options every operator takes. */
export interface NodeOptions {
  /** The node's name in `describe()`, metrics and logs; must be unique. Default: `<kind>-<n>`. */
  readonly name?: string;
}

export interface SourceOptions<S extends TSchema, K> extends NodeOptions {
  /** TypeBox schema of the JSON value: records that do not match go to the dead-letter sink. */
  readonly value: S;
  /**
   * The record's key. It must be the key the topic is partitioned by (the Kafka producer's key),
   * since `groupByKey()` relies on every record of a key being in one partition: where one does,
   * a record whose Kafka key (as text) is not this key is dead-lettered.
   */
  readonly key: (value: Static<S>) => K;
  /** Event time in epoch ms. A record whose timestamp is not a finite number is dead-lettered. */
  readonly timestamp: (value: Static<S>) => number;
  /** Where records that are not JSON or fail the schema go, with the reason and their raw bytes. */
  readonly deadLetter?: Sink<DeadLetter>;
  /**
   * What happens when the application's code throws on one of this source's records: a filter,
   * map, flatMap or peek function, a groupBy's key function, an aggregator (or the function it
   * takes a value with) as it adds a record, a keyed processor's `process` or `onTimer`.
   *
   * - `'stop'` (default, as Kafka Streams' `LogAndFailProcessingExceptionHandler`): the app stops
   *   with a `ProcessingFailure` naming the operator and the record; the engine processes and
   *   commits nothing more, so a restart meets the record again.
   * - `'dead-letter'` (as `LogAndContinueProcessingExceptionHandler` with a dead-letter queue):
   *   the record goes to `deadLetter`, with `processing failed in <operator>: <message>` as its
   *   reason, and processing goes on with the next record. What the record did before the failure
   *   stays: the branches that took it, the windows it was added to. The record behind the
   *   failure is the one read from Kafka (as read) when stateless steps made the failing record
   *   from it, dead-lettered once however many records made from it fail; a window's result or a
   *   processor's output or timer is dead-lettered as itself, key and value as JSON, offset -1.
   *
   * Either way the app stops for code that throws with no record behind it (an aggregator's
   * `result` as a window closes or at a commit, a state codec at a commit), for a sink's own
   * functions (they run when the sink writes), and for errors of the machine (a state store's
   * file, a system call, a repartition topic's producer). The package README has the details.
   */
  readonly processingErrors?: ProcessingErrors;
  /**
   * The largest value taken, in bytes; larger ones are dead-lettered unread. What a record becomes
   * downstream (a repartition record holds the whole value and an envelope, and a value's invalid
   * UTF-8 grows from 1 to 3 bytes a character once decoded) can outgrow the producer's
   * `message.max.bytes` (1,000,000) while the input fit the topic's: the producer refuses it,
   * and the app stops at every restart. A bound well under a third of that keeps every such
   * record sendable, if keys are small too (a repartition record holds its key, which may be taken
   * from the value, as well as the value). Default: no bound.
   */
  readonly maxValueBytes?: number;
  /**
   * How far ahead an event time may be of when its record was written to Kafka (the record's
   * timestamp), or of the wall clock if that is earlier; records further ahead are dead-lettered.
   * One record from a device whose clock is a day fast would move its partition's watermark a day
   * ahead, and every later record of the partition would be late; records within the bound still
   * move it that far. And a Kafka sink writes event times as Kafka timestamps, which the broker
   * refuses more than `log.message.timestamp.after.max.ms` (default 1 h) ahead of its clock: such
   * a record stops the runtime at every restart, so a source that feeds a Kafka sink needs a
   * bound under that one. Against the record's own timestamp, a replay decides as the first
   * reading did; only a record whose Kafka timestamp was ahead of the wall clock, or missing (0,
   * -1), is judged by the clock and can be decided otherwise. Under `CreateTime` the producer sets
   * that timestamp: one that sets its own (an anchor earlier than the event) gets its records
   * dead-lettered; `LogAppendTime` on the input topic avoids it. In the test driver, a piped
   * record's timestamp is the virtual clock (1970 unless `wallClockStart` says otherwise).
   * Default: no bound.
   * @example maxTimeAhead: '10m'
   */
  readonly maxTimeAhead?: Duration;
}

export interface AggregateOptions extends NodeOptions {
  /**
   * `update` (default): each window result that changed is emitted at each commit, for upsert
   * sinks. `final`: each window is emitted once, when the watermark closes it.
   */
  readonly emit?: EmitMode;
  /** Store implementation for this operator's state (default: in memory, persisted by the app's backend). */
  readonly store?: StoreFactory;
}

export interface ProcessOptions extends NodeOptions {
  readonly store?: StoreFactory;
}
