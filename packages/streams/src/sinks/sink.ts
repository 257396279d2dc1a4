import type { Logger } from '../logging/logger';
import type { Origin, PartitionOffset } from '../runtime/record';

/** What reaches a sink: a result or an event, with its event time. */
export interface SinkRecord<T> {
  readonly value: T;
  /** Event time of the record (for window results: the window's start). */
  readonly timestamp: number;
  /** The group key, for keyed results. */
  readonly key?: unknown;
  /** The input record this one came from, for records that passed through without aggregation. */
  readonly origin?: Origin;
  /**
   * The result no longer exists (a session window merged into another): an upsert sink deletes
   * the row it wrote for it, a Kafka sink writes a tombstone.
   */
  readonly retract?: boolean;
}

/** The commit a flush belongs to: the input offsets the flushed output reflects. */
export interface CommitInfo {
  /** Increases by one at each commit of this application instance. */
  readonly id: number;
  /** Next offset to consume, per input partition, once this commit is done. */
  readonly offsets: readonly PartitionOffset[];
}

export interface SinkContext {
  readonly applicationId: string;
  /** The name of the topology node writing to this sink (first one, when shared). */
  readonly nodeName: string;
  readonly logger: Logger;
}

/**
 * An output of the topology. The runtime opens it once, gives it batches, flushes it before each
 * commit (nothing is committed before every sink has its output durably) and tells it when the
 * commit is done. A sink is a factory: the test driver never opens the real ones.
 */
export interface Sink<in T> {
  /** Short name of the kind of sink for `describe()`: 'postgres', 'kafka', 'parquet', 'memory'… */
  readonly kind: string;
  /** Where it writes, for `describe()` and logs: a table, a topic, a directory. */
  readonly target: string;
  open(context: SinkContext): Promise<SinkWriter<T>>;
}

export interface SinkWriter<in T> {
  /** Takes a batch; must not block: buffer it and write it out in `flush` (or sooner, in the background). */
  write: (records: readonly SinkRecord<T>[]) => void;
  /**
   * Makes everything written before the call durable. A rejection stops the commit: nothing is
   * committed past a failed write. `write` goes on while a flush runs (the engine processes the
   * next records during a commit): what it takes then belongs to the next flush. One flush at a
   * time: the next comes after this one settled.
   */
  flush: (commit: CommitInfo) => Promise<void>;
  /** The commit whose output was flushed has been committed at the source. */
  committed?: (commit: CommitInfo) => Promise<void>;
  /**
   * Called before any record of these partitions is written, at start and whenever partitions are
   * assigned: processing resumes from these offsets, so anything the sink wrote for offsets at or
   * after them came from a flush whose commit never completed and is about to be written again.
   * A sink whose output is not idempotent by itself (files named by offset range, appends)
   * removes or skips that output here.
   */
  recover?: (positions: readonly PartitionOffset[]) => Promise<void>;
  /** Records buffered and not yet flushed; the runtime commits early when a sink holds too many. */
  readonly buffered?: number;
  close: () => Promise<void>;
}
