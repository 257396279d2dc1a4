import type { SinkRecord } from '../sink';

/**
 * A batch of sink records as it crosses to a sink thread: the values and keys as they are, the
 * numbers in typed arrays moved without a copy, each topic name once. Structured clone then copies
 * one object per record (its value) instead of three, which halves the engine thread's cost.
 */
export interface PackedBatch {
  readonly values: unknown[];
  readonly keys: unknown[] | undefined;
  readonly timestamps: Float64Array;
  /** Index into `topics`, or -1: no origin. */
  readonly topicIndex: Int32Array;
  readonly topics: string[];
  readonly partitions: Int32Array;
  readonly offsets: Float64Array;
  readonly watermarks: Float64Array;
  /** Positions of the retractions, if any. */
  readonly retracted: number[];
}

export function packBatch(records: readonly SinkRecord<unknown>[]): { batch: PackedBatch; transfer: ArrayBuffer[] } {
  const n = records.length;
  const values = new Array<unknown>(n);
  let keys: unknown[] | undefined;
  const timestamps = new Float64Array(n);
  const topicIndex = new Int32Array(n);
  const partitions = new Int32Array(n);
  const offsets = new Float64Array(n);
  const watermarks = new Float64Array(n);
  const topics: string[] = [];
  const retracted: number[] = [];
  let lastTopic: string | undefined;
  let lastIndex = -1;
  for (let i = 0; i < n; i++) {
    const record = records[i]!;
    values[i] = record.value;
    timestamps[i] = record.timestamp;
    if (record.key !== undefined) (keys ??= new Array<unknown>(n))[i] = record.key;
    if (record.retract) retracted.push(i);
    const origin = record.origin;
    if (origin === undefined) {
      topicIndex[i] = -1;
      continue;
    }
    if (origin.topic !== lastTopic) {
      lastTopic = origin.topic;
      lastIndex = topics.indexOf(origin.topic);
      if (lastIndex < 0) lastIndex = topics.push(origin.topic) - 1;
    }
    topicIndex[i] = lastIndex;
    partitions[i] = origin.partition;
    offsets[i] = origin.offset;
    watermarks[i] = origin.watermark;
  }
  const batch: PackedBatch = { values, keys, timestamps, topicIndex, topics, partitions, offsets, watermarks, retracted };
  return { batch, transfer: [timestamps.buffer, topicIndex.buffer, partitions.buffer, offsets.buffer, watermarks.buffer] as ArrayBuffer[] };
}

export function unpackBatch(batch: PackedBatch): SinkRecord<unknown>[] {
  const { values, keys, timestamps, topicIndex, topics, partitions, offsets, watermarks } = batch;
  const records = new Array<SinkRecord<unknown>>(values.length);
  // Retractions are rare: no set to look them up in when there are none.
  const retracted = batch.retracted.length > 0 ? new Set(batch.retracted) : undefined;
  for (let i = 0; i < values.length; i++) {
    const t = topicIndex[i]!;
    const key = keys?.[i];
    const origin = t < 0 ? undefined : { topic: topics[t]!, partition: partitions[i]!, offset: offsets[i]!, watermark: watermarks[i]! };
    // One shape for every record (the sinks' code stays monomorphic); a retraction is rare.
    records[i] = retracted?.has(i)
      ? { value: values[i], timestamp: timestamps[i]!, key, origin, retract: true }
      : { value: values[i], timestamp: timestamps[i]!, key, origin };
  }
  return records;
}
