import { join } from 'node:path';
import { partitionId } from '../../runtime/record';
import { makeDirectoryDurably } from './durable-fs';
import { newSegment, type InputPartition, type Segment } from './segment';

/**
 * The input partitions a writer has recovered, each with its segments (one per partition
 * directory it has rows for that are not in Parquet yet), and the directories it has created.
 * Held in memory only: after a restart, recovery rebuilds it from the files (see recoverPartition).
 */
export class SegmentTable {
  private readonly inputs = new Map<string, InputPartition>();
  /** Directories known to exist durably. */
  private readonly directories = new Set<string>();
  /** The segment of the previous record: consecutive records usually share it. */
  private cached: Segment | undefined;

  constructor(private readonly root: string) {}

  /**
   * The segment of a row of `topic`:`partition` in directory `dir`, made when it is the first, or
   * `undefined` when the input partition has not been recovered.
   * @example const segment = table.segmentOf('event_date=2024-01-01', 'events', 0);
   */
  segmentOf(dir: string, topic: string, partition: number): Segment | undefined {
    const cached = this.cached;
    if (cached !== undefined && cached.dir === dir && cached.input.partition === partition && cached.input.topic === topic) return cached;
    const input = this.inputs.get(partitionId(topic, partition));
    if (input === undefined) return undefined;
    let segment = input.segments.get(dir);
    if (segment === undefined) {
      segment = newSegment(input, dir);
      input.segments.set(dir, segment);
    }
    this.cached = segment;
    return segment;
  }

  /** Adds a recovered input partition, with the segments of its surviving staging files. */
  add(input: InputPartition): void {
    this.inputs.set(partitionId(input.topic, input.partition), input);
  }

  /** Drops an input partition a recovery is about to claim again, and returns it if there was one. */
  forget(topic: string, partition: number): InputPartition | undefined {
    const previous = this.inputs.get(partitionId(topic, partition));
    this.inputs.delete(partitionId(topic, partition));
    return previous;
  }

  /** The next row looks its segment up anew (after a recovery has replaced input partitions). */
  forgetCached(): void {
    this.cached = undefined;
  }

  all(): Segment[] {
    const all: Segment[] = [];
    for (const input of this.inputs.values()) for (const segment of input.segments.values()) all.push(segment);
    return all;
  }

  /** Segments with nothing in staging or pending are dropped, so past dates do not pile up in memory. */
  forgetEmpty(): void {
    for (const input of this.inputs.values()) {
      for (const [dir, segment] of input.segments) {
        if (segment.stagedRows === 0 && segment.pending.length === 0) input.segments.delete(dir);
      }
    }
    this.cached = undefined;
  }

  /**
   * The segment's directory, created durably the first time.
   * @example const dir = await table.durableDirectory(segment); // '/lake/event_date=2024-01-01'
   */
  async durableDirectory(segment: Segment): Promise<string> {
    const dir = join(this.root, segment.dir);
    if (!this.directories.has(dir)) {
      await makeDirectoryDurably(dir);
      this.directories.add(dir);
    }
    return dir;
  }
}
