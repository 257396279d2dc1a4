import { join } from 'node:path';
import type { Logger } from '../../logging/logger';
import type { Clock } from '../../time/clock';
import type { ParquetColumn } from './columns';
import { removeFile } from './durable-fs';
import { rollSegment } from './final-file';
import { stagingName } from './lake-files';
import { isOwnFile, ownsPartition, type FileId } from './owned-files';
import type { ParquetEncoder } from './parquet-encoder';
import type { InputPartition, Segment } from './segment';
import { sinkError } from './sink-error';

/**
 * A flush waits while more rolls than this are queued: rolls slower than the input slow the input
 * down instead of piling up staging files.
 */
export const MAX_QUEUED_ROLLS = 4;

/** What the rolls need of the writer's configuration. */
export interface RollConfig {
  readonly root: string;
  readonly name: string;
  /** The files' columns, metadata columns included. */
  readonly columns: readonly ParquetColumn[];
  readonly encoder: ParquetEncoder;
  readonly clock: Clock;
  readonly logger: Logger;
}

/** A rolled staging file, removed once the commit of the flush that rolled it has completed. */
interface RetiredStaging {
  readonly path: string;
  /** Its identity: another instance that recovered the partition since may have its own file under that name. */
  readonly id: FileId;
  readonly input: InputPartition;
  readonly commitId: number;
}

/**
 * The writer's rolls of staging files into Parquet files, and the staging files they leave until
 * their commit completes. The writer decides when to roll, wait and remove (see ParquetSinkWriter).
 */
export class RollQueue {
  /**
   * Rolls queued or running, oldest first. They run one at a time (one file's columns in memory),
   * in slices, while the engine goes on processing and committing: a flush does not wait for them
   * (unless more than MAX_QUEUED_ROLLS are queued), so a commit is never held up by a roll. A
   * recovery and close wait for them all. The first failure makes the writer unusable.
   */
  private queuedRolls: Array<Promise<void>> = [];
  /** The last roll queued: the next one starts when it has settled. */
  private lastRoll: Promise<void> = Promise.resolve();
  private rollFailure: unknown;
  private retired: RetiredStaging[] = [];

  /** `markUnusable` is told the first roll failure when a wait meets it: the writer refuses all use from then on. */
  constructor(
    private readonly config: RollConfig,
    private readonly markUnusable: (failure: unknown) => void,
  ) {}

  /** Staging files rolled but kept until their commit completes. */
  get retiredCount(): number {
    return this.retired.length;
  }

  /**
   * Queues a roll of the segment's staging file into a Parquet file, and leaves the segment without
   * one: later rows start a new staging file. The staging file is retired when the roll has
   * finished, and removed once commit `commitId` (that of the flush that staged its last rows) has
   * completed: until then a crash may need its rows back (see recoverPartition). A staging file
   * waiting for its roll is on disk like any other: a crash before the roll leaves it to recovery.
   * @example rolls.start(segment, commit.id);
   */
  start(segment: Segment, commitId: number): void {
    const { input, stagingFirst, stagingId } = segment;
    if (stagingFirst === undefined || stagingId === undefined) throw new Error('parquet sink: a roll of a segment with no staging file');
    // What the roll takes, read now: the segment moves on to a new staging file at once.
    const staged = { dir: segment.dir, input, stagingFirst, stagedRows: segment.stagedRows };
    const roll = this.lastRoll.then(async () => {
      // After a failure the writer is unusable: the rolls queued behind it are left to recovery.
      if (this.rollFailure !== undefined) throw this.rollFailure;
      const started = Date.now();
      const staging = join(this.config.root, staged.dir, stagingName(input.files, stagingFirst));
      const stillOwned = async () => (await ownsPartition(this.config.root, input)) && (await isOwnFile(staging, stagingId));
      const rolled = await rollSegment(this.config.root, staged, this.config.columns, this.config.encoder, stillOwned).catch((error: unknown) => {
        throw sinkError(this.config.name, error, `cannot roll ${join(this.config.root, staged.dir, stagingName(input.files, stagingFirst))} into a Parquet file`);
      });
      this.retired.push({ path: rolled.staging, id: stagingId, input, commitId });
      this.config.logger.debug('parquet sink: rolled a file', { file: rolled.file, rows: rolled.rows, ms: Date.now() - started });
    });
    this.queuedRolls.push(roll);
    // Rolls settle in queue order: the one settling is the oldest.
    this.lastRoll = roll.then(
      () => void this.queuedRolls.shift(),
      (error: unknown) => {
        this.rollFailure ??= error;
        this.queuedRolls.shift();
      },
    );
    segment.stagingFirst = undefined;
    segment.stagingId = undefined;
    segment.stagedRows = 0;
    // Rows staged after a cut in this flush arrived by now: the next file's age starts here.
    segment.firstRowAt = this.config.clock.now();
  }

  /**
   * Waits until at most `atMost` rolls are queued, and throws the first roll failure, which makes
   * the writer unusable: a restart's recovery repairs the files.
   * @example await rolls.waitUntilAtMost(0); // all rolls have made their files
   */
  async waitUntilAtMost(atMost: number): Promise<void> {
    // The oldest roll's own handler (start) runs before this await resumes: it takes the roll off the queue.
    while (this.queuedRolls.length > atMost && this.rollFailure === undefined) await this.queuedRolls[0]!.catch(() => undefined);
    if (this.rollFailure !== undefined) {
      this.markUnusable(this.rollFailure);
      throw this.rollFailure;
    }
  }

  /**
   * Removes the staging files of rolls whose commit completed (`committedThrough` or earlier). Not
   * synced: a removal lost in a crash leaves rows that are all in a final file, which recovery drops.
   * @example await rolls.removeRetired(committedThrough);
   */
  async removeRetired(committedThrough: number): Promise<void> {
    const done = this.retired.filter((r) => r.commitId <= committedThrough);
    if (done.length === 0) return;
    this.retired = this.retired.filter((r) => r.commitId > committedThrough);
    await Promise.all(
      done.map(async (r) => {
        // Another instance has recovered the partition since (its staging may be under that name),
        // or the file is gone: left alone.
        if (!(await ownsPartition(this.config.root, r.input)) || !(await isOwnFile(r.path, r.id))) return;
        await removeFile(r.path).catch((error: unknown) => {
          throw sinkError(this.config.name, error, `cannot remove ${r.path}, a staging file already rolled into a Parquet file`);
        });
      }),
    );
  }

  /** Forgets the retired staging files of an input partition a recovery claims again: the disk is the truth from there. */
  forgetRetired(input: InputPartition): void {
    this.retired = this.retired.filter((r) => r.input !== input);
  }
}
