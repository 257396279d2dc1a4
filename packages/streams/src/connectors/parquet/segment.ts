import type { FilePartition } from './lake-files';
import type { FileId } from './owned-files';

/** An input partition the sink writes rows of (recovered before its first row). */
export interface InputPartition {
  readonly topic: string;
  readonly partition: number;
  readonly files: FilePartition;
  /** Offset of the last row written, so that a record going back (an unrecovered replay) fails. */
  lastOffset: number;
  /** Its segments, by partition path. */
  readonly segments: Map<string, Segment>;
  /** The token this writer's recovery put in its owner marker (see owned-files.ts). */
  readonly ownerToken: string;
}

/**
 * The rows of one input partition in one lake partition directory that are not in Parquet yet:
 * a staging file on disk, and rows written since the last flush.
 */
export interface Segment {
  readonly input: InputPartition;
  /** Partition path relative to the lake root, e.g. `event_date=2024-01-01`. */
  readonly dir: string;
  /** First offset of the staging file on disk (its name), or `undefined` when there is none. */
  stagingFirst: number | undefined;
  /** The staging file's identity: the file this writer made or adopted (see owned-files.ts). */
  stagingId: FileId | undefined;
  /** Rows in the staging file. */
  stagedRows: number;
  /** Wall-clock time of the staging file's first row (its age), set when a flush starts the file. */
  firstRowAt: number;
  /** Values written since the last flush, and their input offsets. */
  pending: unknown[];
  pendingOffsets: number[];
  /** Wall-clock time the first of `pending` was written. */
  pendingSince: number;
}

/** @example const segment = newSegment(input, 'event_date=2024-01-01'); */
export function newSegment(input: InputPartition, dir: string): Segment {
  return { input, dir, stagingFirst: undefined, stagingId: undefined, stagedRows: 0, firstRowAt: 0, pending: [], pendingOffsets: [], pendingSince: 0 };
}
