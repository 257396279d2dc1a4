/** Keys the engine groups by. `null` is the key of a global (ungrouped) window. */
export type Key = string | number | null;

/**
 * Where a record entered its task (a source partition, or its place in a repartition topic; a
 * stateful operator's result has offset -1), and how far event time had got just before it.
 */
export interface Origin {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  /**
   * The watermark of the record's own input partition just before the record: the partition's
   * stream time (greatest event time seen) minus the source's watermark delay. Every lateness
   * decision downstream reads this value, so it never depends on how partitions interleave. What
   * a processor emits from `process` carries the processor's watermark after the record instead
   * (its partition's own, on the source's key; see keyed-process.ts).
   */
  readonly watermark: number;
  /**
   * Set on what a keyed processor emits from `process`: a stateful operator's output, which a
   * processor below never takes as late (a window below still does, by `watermark`).
   */
  readonly emitted?: true;
}

/** A record flowing between operators. */
export interface StreamRecord<V = unknown, K = Key> {
  readonly key: K;
  readonly value: V;
  /** Event time, epoch ms. */
  readonly timestamp: number;
  readonly origin: Origin;
  /** Set on a result that no longer exists (a merged session): sinks delete what they wrote for it. */
  readonly retract?: boolean;
}

/** A record as a source connector reads it: bytes and position. */
export interface RawRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  /**
   * The record's Kafka timestamp: the producer's (CreateTime) or the broker's (LogAppendTime).
   * Event time comes from the value; a source's `maxTimeAhead` judges it against this.
   */
  readonly timestamp?: number;
  readonly headers?: ReadonlyArray<Readonly<Record<string, Buffer | string>>>;
}

/** A topic partition and the next offset to read from it. */
export interface PartitionOffset {
  readonly topic: string;
  readonly partition: number;
  /** The next offset to consume (the Kafka convention for committed offsets). */
  readonly offset: number;
}

export function partitionId(topic: string, partition: number): string {
  return `${topic}:${partition}`;
}
