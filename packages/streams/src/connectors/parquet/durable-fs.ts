import { mkdir, open, rename, unlink } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';

// File operations that are durable when they resolve: data and metadata reach the disk (fsync),
// and a new or renamed name survives a power loss (fsync of the directory that holds it).

/**
 * Writes a whole file under `temporary`, syncs it and renames it to `path`: readers see either no
 * file or the complete one, never a part of it, even after a crash.
 * @example await replaceDurably('/lake/d/.staging-events-0-4.jsonl.tmp', '/lake/d/.staging-events-0-4.jsonl', lines);
 */
export async function replaceDurably(temporary: string, path: string, data: string | Uint8Array): Promise<void> {
  await writeSynced(temporary, data);
  await renameDurably(temporary, path);
}

/**
 * Writes a new file (or replaces one) and syncs it. Its name is durable only once its directory
 * is synced: {@link renameDurably} to a final name does that.
 * @example await writeSynced('/lake/d/.part-events-0-0-9.parquet.tmp', bytes);
 */
export async function writeSynced(path: string, data: string | Uint8Array): Promise<void> {
  const handle = await open(path, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Syncs a directory, so the names created, renamed or removed in it are durable. */
export async function syncDirectory(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch (error) {
    // Some platforms (Windows) cannot open or sync a directory: names are durable there anyway.
    if (!isErrorCode(error, 'EISDIR', 'EPERM', 'EINVAL', 'EBADF')) throw error;
  } finally {
    await handle?.close();
  }
}

/**
 * Creates `dir` and its missing parents and syncs the parent of each created level, so a file
 * created in it later does not vanish with its directory after a crash.
 * @example await makeDirectoryDurably('/lake/event_date=2024-01-01');
 */
export async function makeDirectoryDurably(dir: string): Promise<void> {
  const created = await mkdir(dir, { recursive: true });
  if (created === undefined) return;
  // `created` is the first directory made: sync its parent and each new level but the last.
  let current = dirname(created);
  const levels = relative(current, dir).split(sep).filter((s) => s.length > 0);
  await syncDirectory(current);
  for (const level of levels.slice(0, -1)) {
    current = join(current, level);
    await syncDirectory(current);
  }
}

export function isErrorCode(error: unknown, ...codes: string[]): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && codes.includes(String(error.code));
}

/**
 * Renames a complete, synced file to its final name and syncs the directory.
 * @example await renameDurably('/lake/d/.part-x.parquet.tmp', '/lake/d/part-x.parquet');
 */
export async function renameDurably(from: string, to: string): Promise<void> {
  await rename(from, to);
  await syncDirectory(dirname(to));
}

/** Removes a file; one already gone is fine (a retry after a crash). */
export async function removeFile(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (error) {
    if (!isErrorCode(error, 'ENOENT')) throw error;
  }
}
