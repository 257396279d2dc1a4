import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

/** Where a record of the input is in the lake: in a final Parquet file, or still in staging. */
export type LakeLocation = { readonly kind: 'parquet' | 'staging'; readonly file: string } | undefined;

/**
 * Looks for the row of input record `topic`/`partition`/`offset` under `event_date=<date>/`, by the
 * file names of the lake's layout (see the parquet sink's README): the final file whose offset
 * range holds it (then read, to be sure), else the staging file of that partition, whose lines are
 * `[offset, row]`. Staging is the sink's internal format; only the offset is read from it.
 */
export async function findInLake(lakeDir: string, date: string, topic: string, partition: number, offset: number): Promise<LakeLocation> {
  const dir = join(resolve(lakeDir), `event_date=${date}`);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return undefined; // no row of that date yet
  }
  const stem = `${topic.replace(/[^A-Za-z0-9._-]/g, (c) => encodeURIComponent(c))}-${partition}`;
  for (const name of names) {
    const m = new RegExp(`^part-${escape(stem)}-(\\d+)-(\\d+)\\.parquet$`).exec(name);
    if (m && Number(m[1]) <= offset && offset <= Number(m[2]) && (await parquetHasOffset(join(dir, name), offset))) {
      return { kind: 'parquet', file: join(`event_date=${date}`, name) };
    }
  }
  for (const name of names) {
    const m = new RegExp(`^\\.staging-${escape(stem)}-(\\d+)\\.jsonl$`).exec(name);
    if (m && Number(m[1]) <= offset && (await stagingHasOffset(join(dir, name), offset))) return { kind: 'staging', file: join(`event_date=${date}`, name) };
  }
  return undefined;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

async function stagingHasOffset(path: string, offset: number): Promise<boolean> {
  const text = await readFile(path, 'utf8').catch(() => ''); // rolled away meanwhile: look again next time
  const prefix = `[${offset},`;
  return text.split('\n').some((line) => line.startsWith(prefix));
}

interface Cursor {
  next(): Promise<unknown>;
}
interface Reader {
  getCursor(columns?: unknown[][]): Cursor;
  close(): Promise<void>;
}

async function parquetHasOffset(path: string, offset: number): Promise<boolean> {
  const module = (await import('@dsnp/parquetjs')) as { ParquetReader?: { openFile(p: string): Promise<Reader> }; default?: { ParquetReader: { openFile(p: string): Promise<Reader> } } };
  // A CommonJS module: its exports are on `default` under Node's ESM loader.
  const ParquetReader = module.ParquetReader ?? module.default!.ParquetReader;
  const reader = await ParquetReader.openFile(path);
  try {
    const cursor = reader.getCursor([['_offset']]);
    for (let row = (await cursor.next()) as { _offset: bigint | number } | null; row; row = (await cursor.next()) as typeof row) {
      if (Number(row._offset) === offset) return true;
    }
    return false;
  } finally {
    await reader.close();
  }
}
