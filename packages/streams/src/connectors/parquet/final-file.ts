import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { ParquetColumn } from './columns';
import { removeFile, renameDurably, writeSynced } from './durable-fs';
import { FileColumns } from './file-columns';
import { takenOver } from './owned-files';
import { finalName, stagingName, writingName } from './lake-files';
import { ROW_GROUP_SIZE, type ParquetEncoder } from './parquet-encoder';
import type { Segment } from './segment';
import { readStagingLines } from './staging-lines';

/** A staging file to roll: its segment's directory and input partition, its first offset and rows. */
export type StagedFile = Pick<Segment, 'dir' | 'input' | 'stagedRows'> & { readonly stagingFirst: number };

/**
 * Staging lines parsed between two turns of the event loop during a roll: ~5 ms of JSON parsing
 * here, so a roll never holds the loop for long (a row group's encoding, ~26 ms, is the longest
 * slice). A flush in the same thread (this sink's, or another sink's in a sink thread) needs a
 * turn for each of its steps (a write, an fsync, a query's reply), and waits for a roll's slice at
 * each: with 5,000 lines (~27 ms) flushes during the rolls of the benchmark's latency step took
 * 200-590 ms, and its p99 to PostgreSQL was 548-760 ms in three runs; with 1,000, 363-431 ms in
 * three runs alternating with those (362 ms in one run with no roll).
 */
export const LINES_PER_TURN = 1_000;

/** A roll's file, synced under its temporary name: `rollSegment` renames it to the final one. */
export interface RolledFile {
  readonly temporary: string;
  readonly first: number;
  readonly last: number;
  readonly rows: number;
}

/**
 * Makes the Parquet file of a staging file: reads its lines a chunk at a time, gathers them column
 * by column a row group at a time, encodes each group as it is complete, and syncs the file under
 * its temporary name (`.part-…-<first>-<last>.parquet.tmp`). This is the CPU-heavy part of a roll
 * (JSON parsing, Parquet encoding: 0.3-0.6 s per 100,000 rows here), on the event loop in slices
 * (LINES_PER_TURN, a row group at a time); what it holds is one chunk of the file and one row
 * group, with the encoded bytes.
 * @example const { temporary, first, last } = await writeRollFile(root, staged, columns, encoder);
 */
export async function writeRollFile(root: string, staged: StagedFile, columns: readonly ParquetColumn[], encoder: ParquetEncoder): Promise<RolledFile> {
  const dir = join(root, staged.dir);
  const { input } = staged;
  const staging = join(dir, stagingName(input.files, staged.stagingFirst));
  const read = { rows: 0, extra: 0, first: -1, last: -1 };
  const bytes = await encoder.encode(rowGroups(staging, staged, columns, read));
  const lines = read.rows + read.extra;
  if (lines === 0 || lines !== staged.stagedRows) throw new Error(`parquet sink: ${staging} holds ${lines} rows where ${staged.stagedRows} were staged`);
  const temporary = join(dir, writingName(input.files, read.first, read.last));
  await writeSynced(temporary, bytes);
  return { temporary, first: read.first, last: read.last, rows: read.rows };
}

/**
 * The staging file's rows, ROW_GROUP_SIZE at a time. Rows beyond the staged count are counted in
 * `read.extra` and not encoded: the roll then fails, as it does when there are fewer.
 */
async function* rowGroups(
  staging: string,
  staged: StagedFile,
  columns: readonly ParquetColumn[],
  read: { rows: number; extra: number; first: number; last: number },
): AsyncGenerator<FileColumns> {
  const group = () => new FileColumns(columns, staged.input, ROW_GROUP_SIZE);
  let rows = group();
  let sinceTurn = 0;
  for await (const lines of readStagingLines(staging)) {
    for (const line of lines) {
      if (read.rows === staged.stagedRows) {
        read.extra++;
        continue;
      }
      rows.addLine(line);
      read.rows++;
      if (rows.length === ROW_GROUP_SIZE) {
        yield noted(rows);
        rows = group();
      }
      if (++sinceTurn === LINES_PER_TURN) {
        sinceTurn = 0;
        await nextTurn();
      }
    }
  }
  if (rows.length > 0) yield noted(rows);

  /** A complete group, its offsets noted in `read`. */
  function noted(done: FileColumns): FileColumns {
    if (read.first < 0) read.first = done.firstOffset;
    read.last = done.lastOffset;
    return done;
  }
}

/**
 * Rolls a staging file into a final file `part-<topic>-<partition>-<first>-<last>.parquet`: made
 * under a hidden temporary name, synced, then renamed, so readers never see a partial file under a
 * final name. The staging file stays: the writer removes it once the commit of the flush that
 * staged its last rows has completed. `stillOwned`: whether the partition and the staging file are
 * still the writer's (see owned-files.ts), asked before the staging file is read (a fenced writer
 * fails saying so, not on a staging file the new owner removed) and again before the rename.
 * @returns the final file's path, and the staging file's.
 * @example const { file, staging } = await rollSegment(root, { dir, input, stagingFirst: 0, stagedRows: 100_000 }, columns, encoder, stillOwned);
 */
export async function rollSegment(
  root: string,
  staged: StagedFile,
  columns: readonly ParquetColumn[],
  encoder: ParquetEncoder,
  stillOwned: () => Promise<boolean>,
): Promise<{ file: string; staging: string; rows: number }> {
  const dir = join(root, staged.dir);
  const staging = join(dir, stagingName(staged.input.files, staged.stagingFirst));
  if (!(await stillOwned())) throw takenOver(`${staging} is no longer this writer's to roll`);
  const made = await writeRollFile(root, staged, columns, encoder);
  const file = join(dir, finalName(staged.input.files, made.first, made.last));
  // Another instance that recovered the partition since has the rows of this staging file (those
  // of completed commits) and writes the rest again: a final file made now would hold them twice.
  if (!(await stillOwned())) {
    await removeFile(made.temporary);
    throw takenOver(`${staging} is no longer this writer's to roll`);
  }
  await renameDurably(made.temporary, file);
  return { file, staging, rows: made.rows };
}
