import { join } from 'node:path';
import type { Logger } from '../../logging/logger';
import { partitionId, type PartitionOffset } from '../../runtime/record';
import type { CommitInfo, SinkRecord, SinkWriter } from '../../sinks/sink';
import type { Clock } from '../../time/clock';
import { METADATA_COLUMNS, type ParquetColumn } from './columns';
import { makeDirectoryDurably, removeFile, syncDirectory } from './durable-fs';
import { rollSegment } from './final-file';
import { filePartition, stagingName } from './lake-files';
import { listLake } from './lake-listing';
import { appendToOwnStaging, claimPartition, holdsPartition, isOwnFile, type FileId } from './owned-files';
import type { ParquetEncoder } from './parquet-encoder';
import { recoverPartition } from './recover-partition';
import type { RowCheck } from './row-check';
import { newSegment, type InputPartition, type Segment } from './segment';
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
 * A flush waits while more rolls than this are queued: rolls slower than the input slow the input
 * down instead of piling up staging files.
 */
export const MAX_QUEUED_ROLLS = 4;

/** A rolled staging file, removed once the commit of the flush that rolled it has completed. */
interface RetiredStaging {
  readonly path: string;
  /** Its identity: another instance that recovered the partition since may have its own file under that name. */
  readonly id: FileId;
  readonly input: InputPartition;
  readonly commitId: number;
}

/**
 * The parquet sink's writer. Rows go to a staging file per (partition directory, input partition),
 * appended and synced at each flush; a staging file that reaches `rollRows` rows, or `rollAge`, is
 * rolled into a Parquet file named by its input partition and offset range. See README.md for the
 * guarantees and recoverPartition for what a restart does.
 */
export class ParquetSinkWriter implements SinkWriter<unknown> {
  private readonly inputs = new Map<string, InputPartition>();
  private retired: RetiredStaging[] = [];
  private pendingRows = 0;
  /** Highest commit id known complete: rows flushed under it or before will never be replayed. */
  private committedThrough = -1;
  /** Id of the last flush; rolls at close belong to it. */
  private lastFlushId = -1;
  /** Directories known to exist durably. */
  private readonly directories = new Set<string>();
  /** The segment of the previous record: consecutive records usually share it. */
  private cached: Segment | undefined;
  private failure: unknown;
  private closed = false;
  private queue: Promise<unknown> = Promise.resolve();
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

  /** The schema's properties: the columns but the metadata ones, which the sink adds (they come last). */
  private readonly schemaProperties: readonly string[];

  constructor(private readonly config: ParquetWriterConfig) {
    this.schemaProperties = config.columns.slice(0, config.columns.length - METADATA_COLUMNS.length).map((c) => c.name);
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
        await this.waitForQueuedRolls(MAX_QUEUED_ROLLS);
        await this.removeRetired();
        this.lastFlushId = commit.id;
        const now = this.config.clock.now();
        await Promise.all(taken.map(({ segment, values, offsets }) => this.flushSegment(segment, values, offsets, commit.id, now)));
        this.forgetEmptySegments();
      } catch (error) {
        this.failure = named(this.config.name, error);
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
      await this.waitForQueuedRolls(0);
    });
  }

  /** A commit completed: staging files of rolls under it (or earlier) are removed, once rolled. */
  committed(commit: CommitInfo): Promise<void> {
    return this.serially(async () => {
      this.throwIfUnusable();
      this.committedThrough = Math.max(this.committedThrough, commit.id);
      await this.removeRetired().catch((error: unknown) => {
        throw named(this.config.name, error);
      });
    });
  }

  recover(positions: readonly PartitionOffset[]): Promise<void> {
    return this.serially(() =>
      this.recoverNow(positions).catch((error: unknown) => {
        throw named(this.config.name, error, 'cannot recover the lake after a restart');
      }),
    );
  }

  private async recoverNow(positions: readonly PartitionOffset[]): Promise<void> {
    this.throwIfUnusable();
    await this.waitForQueuedRolls(0);
    const { root, logger, clock } = this.config;
    await makeDirectoryDurably(root);
    // Every partition is claimed before the lake is listed: a writer that had one of them before
    // stops touching it, and so starts no file that the listing would miss (were the partitions
    // claimed one at a time, it would go on with the later ones while the earlier ones recover).
    const claimed: InputPartition[] = [];
    for (const { topic, partition } of positions) {
      const previous = this.inputs.get(partitionId(topic, partition));
      if (previous !== undefined) {
        // What this writer knew of the partition is void: the disk is the truth from here.
        for (const segment of previous.segments.values()) this.pendingRows -= segment.pending.length;
        this.retired = this.retired.filter((r) => r.input !== previous);
        this.inputs.delete(partitionId(topic, partition));
      }
      const files = filePartition(topic, partition);
      const ownerToken = await claimPartition(root, files);
      claimed.push({ topic, partition, files, lastOffset: -1, segments: new Map(), ownerToken });
    }
    const listing = await listLake(root);
    for (const [i, input] of claimed.entries()) {
      const { topic, partition, files } = input;
      const target = { topic, partition, files, resume: positions[i]!.offset, held: () => this.ownsPartition(input) };
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
      this.inputs.set(partitionId(topic, partition), input);
    }
    this.cached = undefined;
  }

  close(): Promise<void> {
    return this.serially(async () => {
      if (this.closed) return;
      this.closed = true;
      if (this.failure !== undefined) return;
      // Rows written since the last flush belong to no commit: they are replayed after a restart.
      if (this.pendingRows > 0) this.config.logger.debug('parquet sink: closing with unflushed rows, dropped', { rows: this.pendingRows });
      // Nothing stays in staging after a clean stop: roll it all, whatever its size and age.
      for (const segment of this.segments()) if (segment.stagedRows > 0) this.startRoll(segment, this.lastFlushId);
      await this.waitForQueuedRolls(0);
      await this.removeRetired();
      // The owner markers stay (see owned-files.ts): a removal after a check could remove the
      // marker of an instance whose claim came in between, and fence the partition's new owner.
      if (this.retired.length > 0) {
        this.config.logger.info('parquet sink: staging files of the last rolls are kept until a restart confirms their commit', {
          files: this.retired.length,
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
    let segment = this.cached;
    if (segment === undefined || segment.dir !== dir || segment.input.partition !== origin.partition || segment.input.topic !== origin.topic) {
      segment = this.segmentFor(dir, origin.topic, origin.partition);
      this.cached = segment;
    }
    const input = segment.input;
    if (origin.offset < input.lastOffset) {
      throw new Error(
        `parquet sink ${this.config.name}: offset ${origin.offset} of ${origin.topic}:${origin.partition} comes after ${input.lastOffset}; ` +
          'a replay must start with recover() (Engine.resumeFrom) so rows are not written twice',
      );
    }
    input.lastOffset = origin.offset;
    if (segment.stagedRows === 0 && segment.pending.length === 0) segment.firstRowAt = this.config.clock.now();
    // The value itself is kept: it becomes a staging line, or a Parquet row directly, at flush.
    segment.pending.push(record.value);
    segment.pendingOffsets.push(origin.offset);
    this.pendingRows++;
  }

  /** Every segment with the rows written to it since the last flush, which leave the segment. */
  private takePending(): Array<{ segment: Segment; values: unknown[]; offsets: number[] }> {
    return this.segments().map((segment) => {
      const taken = { segment, values: segment.pending, offsets: segment.pendingOffsets };
      segment.pending = [];
      segment.pendingOffsets = [];
      this.pendingRows -= taken.values.length;
      return taken;
    });
  }

  private async flushSegment(segment: Segment, values: readonly unknown[], offsets: readonly number[], commitId: number, now: number): Promise<void> {
    const { rollRows, rollAgeMs } = this.config;
    let start = 0;
    while (start < values.length) {
      // Cut at exactly rollRows rows, so file boundaries do not depend on when flushes happen, but
      // never between rows of one input record (a flatMap): recovery tells rows apart by offset.
      let end = Math.min(values.length, start + Math.max(1, rollRows - segment.stagedRows));
      while (end < values.length && offsets[end] === offsets[end - 1]) end++;
      const full = segment.stagedRows + (end - start) >= rollRows;
      const aged = end === values.length && now - segment.firstRowAt >= rollAgeMs;
      // Every row is staged, so it is durable when the flush resolves; a staging file that makes
      // a whole file is then rolled in the background, not in the commit's path.
      await this.stage(segment, values, offsets, start, end);
      if (full || aged) this.startRoll(segment, commitId);
      start = end;
    }
    if (values.length === 0 && segment.stagedRows > 0 && (segment.stagedRows >= rollRows || now - segment.firstRowAt >= rollAgeMs)) {
      this.startRoll(segment, commitId);
    }
  }

  /** Appends rows to the segment's staging file in one write, creating it (durably) when there is none. */
  private async stage(segment: Segment, values: readonly unknown[], offsets: readonly number[], start: number, end: number): Promise<void> {
    const text = encodeStagingLines(values, offsets, start, end, this.schemaProperties);
    const first = segment.stagingFirst ?? offsets[start]!;
    const path = join(this.config.root, segment.dir, stagingName(segment.input.files, first));
    try {
      const dir = await this.directory(segment);
      segment.stagingId = await appendToOwnStaging(path, text, segment.stagingId, () => this.ownsPartition(segment.input));
      if (segment.stagingFirst === undefined) await syncDirectory(dir);
    } catch (error) {
      // A full or read-only disk says only "ENOSPC: no space left on device, write": name the file.
      throw named(this.config.name, error, `cannot stage ${end - start} rows in ${path}`);
    }
    segment.stagingFirst = first;
    segment.stagedRows += end - start;
  }

  /** The segment's directory, created durably the first time. */
  private async directory(segment: Segment): Promise<string> {
    const dir = join(this.config.root, segment.dir);
    if (!this.directories.has(dir)) {
      await makeDirectoryDurably(dir);
      this.directories.add(dir);
    }
    return dir;
  }

  /**
   * Queues a roll of the segment's staging file into a Parquet file, and leaves the segment without
   * one: later rows start a new staging file. The staging file is retired when the roll has
   * finished, and removed once commit `commitId` (that of the flush that staged its last rows) has
   * completed: until then a crash may need its rows back (see recoverPartition). A staging file
   * waiting for its roll is on disk like any other: a crash before the roll leaves it to recovery.
   */
  private startRoll(segment: Segment, commitId: number): void {
    const { input, stagingFirst, stagingId } = segment;
    if (stagingFirst === undefined || stagingId === undefined) throw new Error('parquet sink: a roll of a segment with no staging file');
    // What the roll takes, read now: the segment moves on to a new staging file at once.
    const staged = { dir: segment.dir, input, stagingFirst, stagedRows: segment.stagedRows };
    const roll = this.lastRoll.then(async () => {
      // After a failure the writer is unusable: the rolls queued behind it are left to recovery.
      if (this.rollFailure !== undefined) throw this.rollFailure;
      const started = Date.now();
      const staging = join(this.config.root, staged.dir, stagingName(input.files, stagingFirst));
      const stillOwned = async () => (await this.ownsPartition(input)) && (await isOwnFile(staging, stagingId));
      const rolled = await rollSegment(this.config.root, staged, this.config.columns, this.config.encoder, stillOwned).catch((error: unknown) => {
        throw named(this.config.name, error, `cannot roll ${join(this.config.root, staged.dir, stagingName(input.files, stagingFirst))} into a Parquet file`);
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
   */
  private async waitForQueuedRolls(atMost: number): Promise<void> {
    // The oldest roll's own handler (startRoll) runs before this await resumes: it takes the roll off the queue.
    while (this.queuedRolls.length > atMost && this.rollFailure === undefined) await this.queuedRolls[0]!.catch(() => undefined);
    if (this.rollFailure !== undefined) {
      this.failure ??= this.rollFailure;
      throw this.rollFailure;
    }
  }

  /**
   * Removes the staging files of rolls whose commit completed. Not synced: a removal lost in a
   * crash leaves rows that are all in a final file, which recovery drops.
   */
  private async removeRetired(): Promise<void> {
    const done = this.retired.filter((r) => r.commitId <= this.committedThrough);
    if (done.length === 0) return;
    this.retired = this.retired.filter((r) => r.commitId > this.committedThrough);
    await Promise.all(
      done.map(async (r) => {
        // Another instance has recovered the partition since (its staging may be under that name),
        // or the file is gone: left alone.
        if (!(await this.ownsPartition(r.input)) || !(await isOwnFile(r.path, r.id))) return;
        await removeFile(r.path).catch((error: unknown) => {
          throw named(this.config.name, error, `cannot remove ${r.path}, a staging file already rolled into a Parquet file`);
        });
      }),
    );
  }

  /** Whether no other writer has recovered the partition since this one did (see owned-files.ts). */
  private ownsPartition(input: InputPartition): Promise<boolean> {
    return holdsPartition(this.config.root, input.files, input.ownerToken);
  }

  private segmentFor(dir: string, topic: string, partition: number): Segment {
    const input = this.inputs.get(partitionId(topic, partition));
    if (input === undefined) {
      throw new Error(
        `parquet sink ${this.config.name}: a record of ${topic}:${partition} came before recover() was told where that partition resumes; ` +
          'run the sink in an Engine, which calls it from resumeFrom()',
      );
    }
    let segment = input.segments.get(dir);
    if (segment === undefined) {
      segment = newSegment(input, dir);
      input.segments.set(dir, segment);
    }
    return segment;
  }

  private segments(): Segment[] {
    const all: Segment[] = [];
    for (const input of this.inputs.values()) for (const segment of input.segments.values()) all.push(segment);
    return all;
  }

  /** Segments with nothing in staging or pending are dropped, so past dates do not pile up in memory. */
  private forgetEmptySegments(): void {
    for (const input of this.inputs.values()) {
      for (const [dir, segment] of input.segments) {
        if (segment.stagedRows === 0 && segment.pending.length === 0) input.segments.delete(dir);
      }
    }
    this.cached = undefined;
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

/**
 * An error that says which sink it is and, for a file system error, what it was doing: the
 * runtime stops with this message, and `ENOSPC: no space left on device, write` alone names
 * neither the lake nor the file. An error that already names the sink is left as it is.
 */
function named(name: string, error: unknown, doing?: string): Error {
  // Not `instanceof Error`: an error of another realm (a vm context, a worker) is one too.
  const message = typeof (error as { message?: unknown } | null)?.message === 'string' ? (error as Error).message : String(error);
  if (message.startsWith(`parquet sink ${name}:`)) return error as Error;
  return new Error(`parquet sink ${name}: ${doing === undefined ? '' : `${doing}: `}${message}`, { cause: error });
}
