import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { ParquetColumn } from './columns';
import { renameDurably } from './durable-fs';
import { FileColumns } from './file-columns';
import { finalName, stagingName, writingName } from './lake-files';
import type { ParquetEncoder } from './parquet-encoder';
import type { Segment } from './segment';
import { stagingLines, stagingText } from './staging-lines';

/** A staging file to roll: its segment's directory and input partition, its first offset and rows. */
export type StagedFile = Pick<Segment, 'dir' | 'input' | 'stagedRows'> & { readonly stagingFirst: number };

/**
 * Staging lines parsed between two turns of the event loop during a roll: ~10-20 ms of JSON
 * parsing here, so a roll never holds the loop for long (a file of 100,000 rows parsed in one go
 * held it 150-300 ms, and the records arriving meanwhile waited).
 */
export const LINES_PER_TURN = 5_000;

/** A roll's file, synced under its temporary name: `rollSegment` renames it to the final one. */
export interface RolledFile {
  readonly temporary: string;
  readonly first: number;
  readonly last: number;
  readonly rows: number;
}

/**
 * Makes the Parquet file of a staging file: reads and parses its rows, gathers them column by
 * column, encodes and syncs the file under its temporary name (`.part-…-<first>-<last>.parquet.tmp`).
 * This is the CPU-heavy part of a roll (JSON parsing, Parquet encoding: 0.3-0.6 s per 100,000 rows
 * here), on the event loop in slices (LINES_PER_TURN, a row group at a time): a worker thread for
 * it cost ~110 MB of peak RSS (see the README).
 * @example const { temporary, first, last } = await writeRollFile(root, staged, columns, encoder);
 */
export async function writeRollFile(root: string, staged: StagedFile, columns: readonly ParquetColumn[], encoder: ParquetEncoder): Promise<RolledFile> {
  const dir = join(root, staged.dir);
  const { input } = staged;
  const staging = join(dir, stagingName(input.files, staged.stagingFirst));
  const lines = stagingLines(stagingText(await readFile(staging)));
  if (lines.length === 0 || lines.length !== staged.stagedRows) throw new Error(`parquet sink: ${staging} holds ${lines.length} rows where ${staged.stagedRows} were staged`);
  // Column by column, in one pass over the rows.
  const rows = new FileColumns(columns, input, lines.length);
  for (let i = 0; i < lines.length; i++) {
    if (i > 0 && i % LINES_PER_TURN === 0) await nextTurn();
    rows.addLine(lines[i]!);
  }
  const temporary = join(dir, writingName(input.files, rows.firstOffset, rows.lastOffset));
  await encoder.write(temporary, rows);
  return { temporary, first: rows.firstOffset, last: rows.lastOffset, rows: rows.length };
}

/**
 * Rolls a staging file into a final file `part-<topic>-<partition>-<first>-<last>.parquet`: made
 * under a hidden temporary name, synced, then renamed, so readers never see a partial file under a
 * final name. The staging file stays: the writer removes it once the commit of the flush that
 * staged its last rows has completed.
 * @returns the final file's path, and the staging file's.
 * @example const { file, staging } = await rollSegment(root, { dir, input, stagingFirst: 0, stagedRows: 100_000 }, columns, encoder);
 */
export async function rollSegment(
  root: string,
  staged: StagedFile,
  columns: readonly ParquetColumn[],
  encoder: ParquetEncoder,
): Promise<{ file: string; staging: string; rows: number }> {
  const dir = join(root, staged.dir);
  const made = await writeRollFile(root, staged, columns, encoder);
  const file = join(dir, finalName(staged.input.files, made.first, made.last));
  await renameDurably(made.temporary, file);
  return { file, staging: join(dir, stagingName(staged.input.files, staged.stagingFirst)), rows: made.rows };
}
