import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { isErrorCode } from './durable-fs';

/** The files of each partition directory of a lake, by path relative to the lake's root. */
export type LakeListing = ReadonlyMap<string, readonly string[]>;

/**
 * Lists every directory of the lake with the names of its files. Directories whose name starts
 * with `.` or `_` are skipped: they are not partitions (readers skip them too).
 * @example const listing = await listLake('/data/lake'); listing.get('event_date=2024-01-01');
 */
export async function listLake(root: string): Promise<LakeListing> {
  const listing = new Map<string, string[]>();
  const visit = async (relative: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(relative === '' ? root : join(root, relative), { withFileTypes: true });
    } catch (error) {
      if (isErrorCode(error, 'ENOENT')) return;
      throw error;
    }
    const files: string[] = [];
    for (const entry of entries) {
      if (entry.isFile()) files.push(entry.name);
      else if (entry.isDirectory() && !entry.name.startsWith('.') && !entry.name.startsWith('_')) {
        await visit(relative === '' ? entry.name : `${relative}/${entry.name}`);
      }
    }
    listing.set(relative, files);
  };
  await visit('');
  return listing;
}
