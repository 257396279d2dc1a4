import { join } from 'node:path';
import type { ParquetColumn } from './columns';
import { renameDurably } from './durable-fs';
import { finalName, stagingName } from './lake-files';
import type { ParquetCompression } from './parquet-encoder';
import type { RolledFile, RollJob } from './roll-file';
import type { Segment } from './segment';

/** How a segment's rows become a file: where the lake is, the files' format, and what makes the file. */
export interface RollContext {
  readonly root: string;
  readonly columns: readonly ParquetColumn[];
  readonly compression: ParquetCompression;
  /** Makes the job's file under its temporary name (`writeRollFile`; tests substitute failures). */
  readonly makeFile: (job: RollJob) => Promise<RolledFile>;
}

/** A staging file to roll: its segment's directory and input partition, its first offset and rows. */
export type StagedFile = Pick<Segment, 'dir' | 'input' | 'stagedRows'> & { readonly stagingFirst: number };

/**
 * Rolls a staging file into a final file `part-<topic>-<partition>-<first>-<last>.parquet`. The file is made under a hidden temporary name, synced, then renamed, so readers
 * never see a partial file under a final name. The staging file stays: the writer removes it once
 * the commit of the flush that staged its last rows has completed.
 * @returns the final file's path, and the staging file's.
 * @example const { file, staging } = await rollSegment(context, { dir, input, stagingFirst: 0, stagedRows: 100_000 });
 */
export async function rollSegment(context: RollContext, staged: StagedFile): Promise<{ file: string; staging: string; rows: number }> {
  const dir = join(context.root, staged.dir);
  const { input } = staged;
  const staging = join(dir, stagingName(input.files, staged.stagingFirst));
  const made = await context.makeFile({
    dir,
    files: input.files,
    origin: { topic: input.topic, partition: input.partition },
    columns: context.columns,
    compression: context.compression,
    staging: { path: staging, rows: staged.stagedRows },
  });
  const file = join(dir, finalName(input.files, made.first, made.last));
  await renameDurably(made.temporary, file);
  return { file, staging, rows: made.rows };
}
