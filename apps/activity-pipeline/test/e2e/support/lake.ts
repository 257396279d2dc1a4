import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

export interface LakeRow {
  /** The file it was read from, relative to the lake's root. */
  readonly file: string;
  readonly row: Record<string, unknown>;
}

/** Every file under the lake, hidden ones included, as sorted relative paths. */
export async function lakeFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}

/** Every row of every final Parquet file, read with hyparquet (independent of the writer, parquetjs). */
export async function readLake(dir: string): Promise<LakeRow[]> {
  const { asyncBufferFromFile, parquetReadObjects } = await import('hyparquet');
  const out: LakeRow[] = [];
  for (const file of (await lakeFiles(dir)).filter((f) => /(^|\/)part-[^/]*\.parquet$/.test(f))) {
    for (const row of await parquetReadObjects({ file: await asyncBufferFromFile(join(dir, file)) })) out.push({ file, row });
  }
  return out;
}
