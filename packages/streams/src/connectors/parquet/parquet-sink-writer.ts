import { join } from 'node:path';
import type { Logger } from '../../logging/logger';
import type { PartitionOffset } from '../../runtime/record';
import type { CommitInfo, SinkRecord, SinkWriter } from '../../sinks/sink';
import type { Clock } from '../../time/clock';
import { METADATA_COLUMNS, type ParquetColumn } from './columns';
import { makeDirectoryDurably, syncDirectory } from './durable-fs';
import { filePartition, stagingName } from './lake-files';
import { listLake } from './lake-listing';
import { appendToOwnStaging, claimPartition, ownsPartition } from './owned-files';
import type { ParquetEncoder } from './parquet-encoder';
import { recoverPartition } from './recover-partition';
import { MAX_QUEUED_ROLLS, RollQueue } from './roll-queue';
import type { RowCheck } from './row-check';
import { newSegment, type InputPartition, type Segment } from './segment';
import { SegmentTable } from './segment-table';
import { sinkError } from './sink-error';
import { encodeStagingLines } from './staging-lines';

/** What a writer needs, resolved from the sink's options. */
export interface ParquetWriterConfig {
  readonly root: string;
  readonly name: string;
  readonly partitionOf: (record: SinkRecord<unknown>) => string;
  readonly check: RowCheck;
  /** The files' columns, metadata columns included. */
  readonly columns: readonly ParquetColumn[];
  readonly encoder: ParquetEncoder;
  readonly rollRows: number;
  readonly rollAgeMs: number;
  readonly clock: Clock;
  readonly logger: Logger;
}

/**
 * The parquet sink's writer. Rows go to a staging file per (partition directory, input partition),
 * appended and synced at each flush; a staging file that reaches `rollRows` rows, or `rollAge`, is
 * rolled into a Parquet file named by its input partition and offset range. See README.md for the
 * guarantees and recoverPartition for what a restart does. Segments are kept in a SegmentTable,
 * rolls run in a RollQueue; this class is the protocol: write, flush, committed, recover, close.
 */
export class ParquetSinkWriter implements SinkWriter<unknown> {
  private readonly segments: SegmentTable;
  private readonly rolls: RollQueue;
  private pendingRows = 0;
  /** Highest commit id known complete: rows flushed under it or before will never be replayed. */
  private committedThrough = -1;
  /** Id of the last flush; rolls at close belong to it. */
  private lastFlushId = -1;
  private failure: unknown;
  private closed = false;
  private queue: Promise<unknown> = Promise.resolve();

  /** The schema's properties: the columns but the metadata ones, which the sink adds (they come last). */
  private readonly schemaProperties: readonly string[];

  constructor(private readonly config: ParquetWriterConfig) {
    this.schemaProperties = config.columns.slice(0, config.columns.length - METADATA_COLUMNS.length).map((c) => c.name);
    this.segments = new SegmentTable(config.root);
    this.rolls = new RollQueue(config, (rollFailure) => {
      this.failure ??= rollFailure;
    });
  }

  get buffered(): number {
    return this.pendingRows;
  }

  write(records: readonly SinkRecord<unknown>[]): void {
    this.throwIfUnusable();
    try {
      for (const record of records) this.add(record);
    } catch (error) {
      // Part of the batch is buffered and the rest is not: nothing may be flushed from here on.
      this.failure = error;
      throw error;
    }
  }

  flush(commit: CommitInfo): Promise<void> {
    // The rows of this commit are the ones written before this call: taken now, since the engine
    // goes on writing the next commit's rows while this flush runs.
    const taken = this.failure === undefined && !this.closed ? this.takePending() : [];
    return this.serially(async () => {
      this.throwIfUnusable();
      try {
        // A flush under id K means commit K-1 completed: rolls of earlier flushes are final.
        this.committedThrough = Math.max(this.committedThrough, commit.id - 1);
        await this.rolls.waitUntilAtMost(MAX_QUEUED_ROLLS);
        await this.rolls.removeRetired(this.committedThrough);
        this.lastFlushId = commit.id;
        const now = this.config.clock.now();
        await Promise.all(taken.map(({ segment, values, offsets, since }) => this.flushSegment(segment, values, offsets, since, commit.id, now)));
        this.segments.forgetEmpty();
      } catch (error) {
        this.failure = sinkError(this.config.name, error);
        throw this.failure;
      }
    });
  }

  /**
   * Resolves once the rolls queued so far have made their files, and rejects if one failed. The
   * engine never needs it; tests and tools that want the newest files at once do.
   */
  rollsFinished(): Promise<void> {
    return this.serially(async () => {
      this.throwIfUnusable();
      await this.rolls.waitUntilAtMost(0);
    });
  }

  /** A commit completed: staging files of rolls under it (or earlier) are removed, once rolled. */
  committed(commit: CommitInfo): Promise<void> {
    return this.serially(async () => {
      this.throwIfUnusable();
      this.committedThrough = Math.max(this.committedThrough, commit.id);
      await this.rolls.removeRetired(this.committedThrough).catch((error: unknown) => {
        throw sinkError(this.config.name, error);
      });
    });
  }

  recover(positions: readonly PartitionOffset[]): Promise<void> {
    return this.serially(() =>
      this.recoverNow(positions).catch((error: unknown) => {
        throw sinkError(this.config.name, error, 'cannot recover the lake after a restart');
      }),
    );
  }

  private async recoverNow(positions: readonly PartitionOffset[]): Promise<void> {
    this.throwIfUnusable();
    await this.rolls.waitUntilAtMost(0);
    const { root, logger, clock } = this.config;
    await makeDirectoryDurably(root);
    // Every partition is claimed before the lake is listed: a writer that had one of them before
    // stops touching it, and so starts no file that the listing would miss (were the partitions
    // claimed one at a time, it would go on with the later ones while the earlier ones recover).
    const claimed: InputPartition[] = [];
    for (const { topic, partition } of positions) {
      // What this writer knew of the partition is void: the disk is the truth from here.
      const previous = this.segments.forget(topic, partition);
      if (previous !== undefined) {
        for (const segment of previous.segments.values()) this.pendingRows -= segment.pending.length;
        this.rolls.forgetRetired(previous);
      }
      const files = filePartition(topic, partition);
      const ownerToken = await claimPartition(root, files);
      claimed.push({ topic, partition, files, lastOffset: -1, segments: new Map(), ownerToken });
    }
    const listing = await listLake(root);
    for (const [i, input] of claimed.entries()) {
      const { topic, partition, files } = input;
      const target = { topic, partition, files, resume: positions[i]!.offset, held: () => ownsPartition(root, input) };
      const surviving = await recoverPartition(root, listing, target, logger);
      for (const staging of surviving) {
        const segment = newSegment(input, staging.dir);
        segment.stagingFirst = staging.first;
        segment.stagingId = staging.id;
        segment.stagedRows = staging.rows;
        // When its rows arrived is not recorded: its age counts from this restart.
        segment.firstRowAt = clock.now();
        input.segments.set(staging.dir, segment);
        input.lastOffset = Math.max(input.lastOffset, staging.last);
      }
      this.segments.add(input);
    }
    this.segments.forgetCached();
  }

  close(): Promise<void> {
    return this.serially(async () => {
      if (this.closed) return;
      this.closed = true;
      if (this.failure !== undefined) return;
      // Rows written since the last flush belong to no commit: they are replayed after a restart.
      if (this.pendingRows > 0) this.config.logger.debug('parquet sink: closing with unflushed rows, dropped', { rows: this.pendingRows });
      // Nothing stays in staging after a clean stop: roll it all, whatever its size and age.
      for (const segment of this.segments.all()) if (segment.stagedRows > 0) this.rolls.start(segment, this.lastFlushId);
      await this.rolls.waitUntilAtMost(0);
      await this.rolls.removeRetired(this.committedThrough);
      // The owner markers stay (see owned-files.ts): a removal after a check could remove the
      // marker of an instance whose claim came in between, and fence the partition's new owner.
      if (this.rolls.retiredCount > 0) {
        this.config.logger.info('parquet sink: staging files of the last rolls are kept until a restart confirms their commit', {
          files: this.rolls.retiredCount,
        });
      }
    });
  }

  private add(record: SinkRecord<unknown>): void {
    const origin = record.origin;
    if (origin === undefined || origin.offset < 0 || record.retract === true) throw this.notPassThrough(record);
    const problem = this.config.check(record.value);
    if (problem !== undefined) {
      throw new Error(`parquet sink ${this.config.name}: the record of ${origin.topic}:${origin.partition} at offset ${origin.offset} does not fit the schema: ${problem}`);
    }
    const dir = this.config.partitionOf(record);
    const segment = this.segments.segmentOf(dir, origin.topic, origin.partition);
    if (segment === undefined) throw this.notRecovered(origin.topic, origin.partition);
    const input = segment.input;
    if (origin.offset < input.lastOffset) {
      throw new Error(
        `parquet sink ${this.config.name}: offset ${origin.offset} of ${origin.topic}:${origin.partition} comes after ${input.lastOffset}; ` +
          'a replay must start with recover() (Engine.resumeFrom) so rows are not written twice',
      );
    }
    input.lastOffset = origin.offset;
    // Not the staging file's age: while a flush stages the rows it took, the segment has neither
    // staged nor pending rows, yet its file's first row is one of those (see flushSegment).
    if (segment.pending.length === 0) segment.pendingSince = this.config.clock.now();
    // The value itself is kept: it becomes a staging line, or a Parquet row directly, at flush.
    segment.pending.push(record.value);
    segment.pendingOffsets.push(origin.offset);
    this.pendingRows++;
  }

  /** Every segment with the rows written to it since the last flush, which leave the segment. */
  private takePending(): Array<{ segment: Segment; values: unknown[]; offsets: number[]; since: number }> {
    return this.segments.all().map((segment) => {
      const taken = { segment, values: segment.pending, offsets: segment.pendingOffsets, since: segment.pendingSince };
      segment.pending = [];
      segment.pendingOffsets = [];
      this.pendingRows -= taken.values.length;
      return taken;
    });
  }

  /** `since`: when the first of `values` was written. */
  private async flushSegment(segment: Segment, values: readonly unknown[], offsets: readonly number[], since: number, commitId: number, now: number): Promise<void> {
    const { rollRows, rollAgeMs } = this.config;
    let start = 0;
    while (start < values.length) {
      // These rows start a new staging file: its age counts from the first of them. (After a cut,
      // start > 0, the roll has set it: see RollQueue.start.)
      if (start === 0 && segment.stagedRows === 0) segment.firstRowAt = since;
      // Cut at exactly rollRows rows, so file boundaries do not depend on when flushes happen, but
      // never between rows of one input record (a flatMap): recovery tells rows apart by offset.
      let end = Math.min(values.length, start + Math.max(1, rollRows - segment.stagedRows));
      while (end < values.length && offsets[end] === offsets[end - 1]) end++;
      const full = segment.stagedRows + (end - start) >= rollRows;
      const aged = end === values.length && now - segment.firstRowAt >= rollAgeMs;
      // Every row is staged, so it is durable when the flush resolves; a staging file that makes
      // a whole file is then rolled in the background, not in the commit's path.
      await this.stage(segment, values, offsets, start, end);
      if (full || aged) this.rolls.start(segment, commitId);
      start = end;
    }
    if (values.length === 0 && segment.stagedRows > 0 && (segment.stagedRows >= rollRows || now - segment.firstRowAt >= rollAgeMs)) {
      this.rolls.start(segment, commitId);
    }
  }

  /** Appends rows to the segment's staging file in one write, creating it (durably) when there is none. */
  private async stage(segment: Segment, values: readonly unknown[], offsets: readonly number[], start: number, end: number): Promise<void> {
    const text = encodeStagingLines(values, offsets, start, end, this.schemaProperties);
    const first = segment.stagingFirst ?? offsets[start]!;
    const path = join(this.config.root, segment.dir, stagingName(segment.input.files, first));
    try {
      const dir = await this.segments.durableDirectory(segment);
      segment.stagingId = await appendToOwnStaging(path, text, segment.stagingId, () => ownsPartition(this.config.root, segment.input));
      if (segment.stagingFirst === undefined) await syncDirectory(dir);
    } catch (error) {
      // A full or read-only disk says only "ENOSPC: no space left on device, write": name the file.
      throw sinkError(this.config.name, error, `cannot stage ${end - start} rows in ${path}`);
    }
    segment.stagingFirst = first;
    segment.stagedRows += end - start;
  }

  private notRecovered(topic: string, partition: number): Error {
    return new Error(
      `parquet sink ${this.config.name}: a record of ${topic}:${partition} came before recover() was told where that partition resumes; ` +
        'run the sink in an Engine, which calls it from resumeFrom()',
    );
  }

  private notPassThrough(record: SinkRecord<unknown>): Error {
    const what = record.retract === true ? 'a retraction' : 'a record with no input offset (an aggregation result?)';
    return new Error(
      `parquet sink ${this.config.name}: got ${what}. The parquet sink writes records that passed through from a source ` +
        '(map, filter, flatMap…): its files are named, and deduplicated after a crash, by input partition and offset',
    );
  }

  private throwIfUnusable(): void {
    if (this.closed) throw new Error(`parquet sink ${this.config.name}: the writer is closed`);
    if (this.failure !== undefined) {
      throw new Error(`parquet sink ${this.config.name}: an earlier write or flush failed; restart so recovery can repair the files`, { cause: this.failure });
    }
  }

  /** Flushes, commits, recoveries and close run one at a time: each reads and changes the same files. */
  private serially(task: () => Promise<void>): Promise<void> {
    const run = this.queue.then(task);
    this.queue = run.catch(() => undefined);
    return run;
  }
}
