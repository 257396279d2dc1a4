import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ParquetColumn } from './columns';
import { FileColumns, type RowOrigin } from './file-columns';
import { writingName, type FilePartition } from './lake-files';
import { ParquetEncoder, type ParquetCompression } from './parquet-encoder';
import type { HyparquetWriter } from './load-hyparquet-writer';
import { stagingLines, stagingText } from './staging-lines';

/** One Parquet file to make from a staging file: everything the roll needs, taken when it starts. */
export interface RollJob {
  /** The partition directory, absolute. */
  readonly dir: string;
  readonly files: FilePartition;
  readonly origin: RowOrigin;
  readonly columns: readonly ParquetColumn[];
  readonly compression: ParquetCompression;
  /** The staging file to read, and how many rows the writer staged in it (checked). */
  readonly staging: { readonly path: string; readonly rows: number };
}

/** A roll's file, synced under its temporary name: the caller renames it to the final one. */
export interface RolledFile {
  readonly temporary: string;
  readonly first: number;
  readonly last: number;
  readonly rows: number;
}

/**
 * Makes a roll's Parquet file: reads and parses the staging file's rows, gathers them column by
 * column, encodes and syncs the file under its temporary name (`.part-…-<first>-<last>.parquet.tmp`).
 * This is the CPU-heavy part of a roll (JSON parsing, Parquet encoding: ~0.5 s per 100,000 rows), on
 * the event loop: a worker thread for it cost ~110 MB of peak RSS (see the README).
 *
 * @example const { temporary, first, last } = await writeRollFile(job, await loadHyparquetWriter());
 */
export async function writeRollFile(job: RollJob, lib: HyparquetWriter): Promise<RolledFile> {
  const { path, rows: staged } = job.staging;
  const lines = stagingLines(stagingText(await readFile(path)));
  if (lines.length === 0 || lines.length !== staged) throw new Error(`parquet sink: ${path} holds ${lines.length} rows where ${staged} were staged`);
  // Column by column, in one pass over the rows.
  const rows = new FileColumns(job.columns, job.origin, lines.length);
  for (const line of lines) rows.addLine(line);
  const temporary = join(job.dir, writingName(job.files, rows.firstOffset, rows.lastOffset));
  await new ParquetEncoder(lib, job.columns, job.compression).write(temporary, rows);
  return { temporary, first: rows.firstOffset, last: rows.lastOffset, rows: rows.length };
}
