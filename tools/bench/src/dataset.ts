import type { RawRecord } from '@pipeline/streams';
import { generateEvents, type SimulationOptions } from 'producer/simulation';
import { EVENTS_START_MS } from './event-start';

/** How the benchmark's input is generated: the producer's simulation with fixed settings. */
export interface DatasetSpec extends SimulationOptions {
  readonly count: number;
  /** Partitions of the input topic; a record's partition is a hash of its key (see `partitionOf`). */
  readonly partitions: number;
}

/**
 * The main dataset: 10,000 users on 100 pages, 1,000 events per second of event time (1M events
 * span ~17 minutes), every 50th event 3 minutes late (beyond the 2-minute watermark, so dropped
 * from windows), one record in 10,000 malformed (dead-lettered).
 */
export function mainDatasetSpec(count: number): DatasetSpec {
  return {
    count,
    partitions: 3,
    seed: 20_240_101,
    startTime: new Date(EVENTS_START_MS).toISOString(),
    eventsPerSecond: 1_000,
    users: 10_000,
    pages: 100,
    lateEvery: 50,
    lateByMs: 3 * 60_000,
    invalidEvery: 10_000,
  };
}

/** FNV-1a of the key, modulo the partition count: stable, and the same in Kafka and in memory. */
export function partitionOf(key: string, partitions: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % partitions;
}

/** One record to put in the dataset. */
export interface DatasetRecord {
  readonly key: string;
  readonly value: string;
  readonly valid: boolean;
}

/**
 * Records held as raw bytes: all values in one buffer and all keys in another, with end offsets,
 * so a million records cost ~130 MB and no million small objects for the GC to trace. Batches of
 * `RawRecord`s are made on demand, like a Kafka client hands them over.
 */
export class Dataset {
  readonly count: number;
  readonly partitions: number;
  readonly invalid: number;
  /** Records per partition. */
  readonly partitionSizes: number[];
  private readonly values: Buffer;
  private readonly valueEnds: Uint32Array;
  private readonly keys: Buffer;
  private readonly keyEnds: Uint32Array;
  private readonly partition: Uint8Array;
  private readonly offset: Uint32Array;
  private readonly isValid: Uint8Array;

  private constructor(fields: {
    count: number;
    partitions: number;
    values: Buffer;
    valueEnds: Uint32Array;
    keys: Buffer;
    keyEnds: Uint32Array;
    partition: Uint8Array;
    offset: Uint32Array;
    isValid: Uint8Array;
  }) {
    this.count = fields.count;
    this.partitions = fields.partitions;
    this.values = fields.values;
    this.valueEnds = fields.valueEnds;
    this.keys = fields.keys;
    this.keyEnds = fields.keyEnds;
    this.partition = fields.partition;
    this.offset = fields.offset;
    this.isValid = fields.isValid;
    this.partitionSizes = Array.from({ length: fields.partitions }, () => 0);
    let invalid = 0;
    for (let i = 0; i < this.count; i++) {
      this.partitionSizes[this.partition[i]!]!++;
      if (this.isValid[i] === 0) invalid++;
    }
    this.invalid = invalid;
  }

  /** The producer's simulation, `spec.count` records. */
  static generate(spec: DatasetSpec): Dataset {
    const records = generateEvents(spec);
    return Dataset.from(spec.count, spec.partitions, (function* () {
      for (const r of records) yield { key: r.key, value: r.value, valid: r.kind === 'event' };
    })());
  }

  /** `count` records from any source, in order. */
  static from(count: number, partitions: number, records: Iterable<DatasetRecord>): Dataset {
    let values: Buffer = Buffer.allocUnsafe(Math.max(1024, count * 128));
    let keys: Buffer = Buffer.allocUnsafe(Math.max(1024, count * 16));
    const valueEnds = new Uint32Array(count);
    const keyEnds = new Uint32Array(count);
    const partition = new Uint8Array(count);
    const offset = new Uint32Array(count);
    const isValid = new Uint8Array(count);
    const next = Array.from({ length: partitions }, () => 0);
    let v = 0;
    let k = 0;
    let i = 0;
    for (const r of records) {
      if (i === count) break;
      if (values.length - v < r.value.length * 3) values = grow(values, v, r.value.length * 3);
      if (keys.length - k < r.key.length * 3) keys = grow(keys, k, r.key.length * 3);
      v += values.write(r.value, v, 'utf8');
      k += keys.write(r.key, k, 'utf8');
      valueEnds[i] = v;
      keyEnds[i] = k;
      const p = partitionOf(r.key, partitions);
      partition[i] = p;
      offset[i] = next[p]!++;
      isValid[i] = r.valid ? 1 : 0;
      i++;
    }
    if (i < count) throw new Error(`dataset: expected ${count} records, got ${i}`);
    return new Dataset({ count, partitions, values: values.subarray(0, v), valueEnds, keys: keys.subarray(0, k), keyEnds, partition, offset, isValid });
  }

  get valid(): number {
    return this.count - this.invalid;
  }

  /** Bytes of all values. */
  get valueBytes(): number {
    return this.values.length;
  }

  value(i: number): Buffer {
    return this.values.subarray(i === 0 ? 0 : this.valueEnds[i - 1]!, this.valueEnds[i]!);
  }

  key(i: number): Buffer {
    return this.keys.subarray(i === 0 ? 0 : this.keyEnds[i - 1]!, this.keyEnds[i]!);
  }

  keyString(i: number): string {
    return this.keys.toString('utf8', i === 0 ? 0 : this.keyEnds[i - 1]!, this.keyEnds[i]!);
  }

  partitionAt(i: number): number {
    return this.partition[i]!;
  }

  offsetAt(i: number): number {
    return this.offset[i]!;
  }

  isValidAt(i: number): boolean {
    return this.isValid[i] === 1;
  }

  /** Records `from` to `to` (excluded) as a consumer would hand them over from `topic`. */
  rawBatch(topic: string, from: number, to: number): RawRecord[] {
    const batch: RawRecord[] = new Array(to - from);
    for (let i = from; i < to; i++) {
      batch[i - from] = { topic, partition: this.partition[i]!, offset: this.offset[i]!, key: this.key(i), value: this.value(i) };
    }
    return batch;
  }
}

function grow(buffer: Buffer, used: number, need: number): Buffer {
  const bigger = Buffer.allocUnsafe(Math.max(buffer.length * 2, used + need));
  buffer.copy(bigger, 0, 0, used);
  return bigger;
}
