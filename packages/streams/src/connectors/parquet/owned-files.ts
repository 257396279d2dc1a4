import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isErrorCode } from './durable-fs';
import type { FilePartition } from './lake-files';

// One writer per input partition is what the lake's files assume, and a consumer group gives it
// only to instances it has not dropped: one whose commit waited past max.poll.interval.ms goes on
// (its commit completes, its sinks close) after another instance has taken its partitions and
// recovered their files. Each writer remembers the identity (inode) of the staging files it made
// or adopted; recovery always rewrites the staging it keeps, under the same name but as a new
// file. A file under a staging name that is not the one the writer remembers is another
// instance's now: the old writer appends nothing to it, rolls nothing of it and removes nothing.
// A staging file the old writer would start after the takeover is no file the new owner knows
// of: for that, each recovery also claims the partition by replacing its owner marker
// (`.owners/<topic>-<partition>` under the lake's root, hidden from readers), and a writer starts
// no staging file and rolls none once the marker is not the one it made.

/**
 * @example throw takenOver('/lake/d/.staging-events-0-0.jsonl is not the staging file this writer made');
 */
export function takenOver(what: string): Error {
  return new Error(
    `${what}: another instance has recovered this input partition ` +
      '(the group gave it away, e.g. after a commit that waited longer than max.poll.interval.ms); this writer leaves its files alone',
  );
}

/** The owner marker of an input partition (see above). */
export function ownerMarker(root: string, files: FilePartition): string {
  return join(root, '.owners', files.stem);
}

/**
 * Claims an input partition for the writer that recovers it: replaces its owner marker with a new
 * file, and returns that file's inode. Not synced: it only fences writers that are still running.
 * @example input.ownerIno = await claimPartition(root, files);
 */
export async function claimPartition(root: string, files: FilePartition): Promise<number> {
  const marker = ownerMarker(root, files);
  await mkdir(join(root, '.owners'), { recursive: true });
  const temporary = `${marker}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temporary, `claimed by pid ${process.pid} at ${new Date().toISOString()}\n`);
  await rename(temporary, marker);
  return inodeOf(marker);
}

/**
 * Appends to a staging file and syncs it, if it is this writer's: the file `ino` names, or when
 * `ino` is undefined, a new (empty) one. Returns the file's inode. The check is on the open file,
 * so the data goes to that file whatever happens to the name meanwhile: if recovery replaces it
 * just after, the data goes with the old file, which recovery has already read or dropped.
 * @example segment.stagingIno = await appendToOwnStaging(path, lines, segment.stagingIno);
 */
export async function appendToOwnStaging(path: string, data: Uint8Array, ino: number | undefined): Promise<number> {
  const handle = await open(path, 'a');
  try {
    const stats = await handle.stat();
    if (ino === undefined ? stats.size !== 0 : stats.ino !== ino) throw takenOver(`${path} is not the staging file this writer made`);
    await handle.writeFile(data);
    await handle.datasync();
    return stats.ino;
  } finally {
    await handle.close();
  }
}

/** Whether `path` is still the file `ino` names (false when it is gone). */
export async function isOwnFile(path: string, ino: number): Promise<boolean> {
  try {
    return (await stat(path)).ino === ino;
  } catch (error) {
    if (isErrorCode(error, 'ENOENT')) return false;
    throw error;
  }
}

/** The inode of a file. */
export async function inodeOf(path: string): Promise<number> {
  return (await stat(path)).ino;
}
