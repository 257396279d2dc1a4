import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** Final Parquet files of a lake (hidden staging and temporary files excluded), recursively. */
export async function lakeFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string) => {
    let entries;
    try {
      entries = await readdir(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.name.startsWith('.') || e.name.startsWith('_')) continue;
      const path = join(d, e.name);
      if (e.isDirectory()) await walk(path);
      else if (e.name.endsWith('.parquet')) out.push(path);
    }
  };
  await walk(dir);
  return out;
}

/** Rows and bytes in a lake's final files, read from each file's footer with hyparquet. */
export async function lakeSummary(dir: string): Promise<{ files: number; rows: number; bytes: number }> {
  const { parquetMetadata } = await import('hyparquet');
  let rows = 0;
  let bytes = 0;
  const files = await lakeFiles(dir);
  for (const file of files) {
    const content = await readFile(file);
    const buffer = content.buffer.slice(content.byteOffset, content.byteOffset + content.byteLength);
    rows += Number(parquetMetadata(buffer).num_rows);
    bytes += (await stat(file)).size;
  }
  return { files: files.length, rows, bytes };
}
