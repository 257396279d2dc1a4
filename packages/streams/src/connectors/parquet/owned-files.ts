import { open, stat } from 'node:fs/promises';
import { isErrorCode } from './durable-fs';

// One writer per input partition is what the lake's files assume, and a consumer group gives it
// only to instances it has not dropped: one whose commit waited past max.poll.interval.ms goes on
// (its commit completes, its sinks close) after another instance has taken its partitions and
// recovered their files. Each writer remembers the identity (inode) of the staging files it made
// or adopted; recovery always rewrites the staging it keeps, under the same name but as a new
// file. A file under a staging name that is not the one the writer remembers is another
// instance's now: the old writer appends nothing to it, rolls nothing of it and removes nothing.

/**
 * @example throw takenOver('/lake/d/.staging-events-0-0.jsonl');
 */
export function takenOver(path: string): Error {
  return new Error(
    `${path} is not the staging file this writer made: another instance has recovered this input partition ` +
      '(the group gave it away, e.g. after a commit that waited longer than max.poll.interval.ms); this writer leaves its files alone',
  );
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
    if (ino === undefined ? stats.size !== 0 : stats.ino !== ino) throw takenOver(path);
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
