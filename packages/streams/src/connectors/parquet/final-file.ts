import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ParquetColumn } from './columns';
import { renameDurably } from './durable-fs';
import { FileColumns } from './file-columns';
import { finalName, stagingName, writingName } from './lake-files';
import type { ParquetEncoder } from './parquet-encoder';
import type { Segment } from './segment';
import { stagingLines, stagingText } from './staging-lines';

/**
 * Writes rows of one input partition as a final file `part-<topic>-<partition>-<first>-<last>.parquet`
 * in `dir`: under a hidden temporary name first, synced, then renamed, so readers never see a
 * partial file under a final name.
 * @returns the final file's path.
 * @example await writeFinalFile('/lake/event_date=2024-01-01', segment, rows, encoder);
 */
export async function writeFinalFile(dir: string, segment: Segment, rows: FileColumns, encoder: ParquetEncoder): Promise<string> {
  const { files } = segment.input;
  const first = rows.firstOffset;
  const last = rows.lastOffset;
  const temporary = join(dir, writingName(files, first, last));
  await encoder.write(temporary, rows);
  const final = join(dir, finalName(files, first, last));
  await renameDurably(temporary, final);
  return final;
}

/** Rows written since the last flush, `values[start..end)`, that go into a roll without staging. */
export interface FreshRows {
  readonly values: readonly unknown[];
  readonly offsets: readonly number[];
  readonly start: number;
  readonly end: number;
}

/**
 * Rolls a segment into a final file: the rows of its staging file (earlier flushes), then `fresh`
 * rows of the current flush, which are never staged. The staging file stays: the caller removes it
 * once the commit of the flush that rolled it has completed, since until then a crash may need its
 * rows back (see recoverPartition); fresh rows need no such copy, as a crash before their commit
 * replays all of them.
 * @returns the final file's path, and the staging file's if there was one.
 * @example const { file, staging } = await rollSegment(root, segment, columns, encoder, fresh);
 */
export async function rollSegment(
  root: string,
  segment: Segment,
  columns: readonly ParquetColumn[],
  encoder: ParquetEncoder,
  fresh: FreshRows | undefined,
): Promise<{ file: string; staging: string | undefined; rows: number }> {
  const dir = join(root, segment.dir);
  const { input } = segment;
  let lines: string[] = [];
  let staging: string | undefined;
  if (segment.stagingFirst !== undefined) {
    staging = join(dir, stagingName(input.files, segment.stagingFirst));
    lines = stagingLines(stagingText(await readFile(staging)));
    if (lines.length === 0 || lines.length !== segment.stagedRows) {
      throw new Error(`parquet sink: ${staging} holds ${lines.length} rows where ${segment.stagedRows} were staged`);
    }
  }
  const freshRows = fresh === undefined ? 0 : fresh.end - fresh.start;
  if (lines.length + freshRows === 0) throw new Error('parquet sink: a roll with no rows');
  // Column by column, in one pass over the rows: staged rows first, then fresh ones. Fresh values
  // may be shared with other sinks: they are only read.
  const rows = new FileColumns(columns, input, lines.length + freshRows);
  for (const line of lines) rows.addLine(line);
  if (fresh !== undefined) {
    const { values, offsets } = fresh;
    for (let i = fresh.start; i < fresh.end; i++) rows.add(values[i] as Record<string, unknown>, offsets[i]!);
  }
  const file = await writeFinalFile(dir, segment, rows, encoder);
  return { file, staging, rows: rows.length };
}
