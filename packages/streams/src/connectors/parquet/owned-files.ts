import { randomBytes } from 'node:crypto';
import { constants, type BigIntStats } from 'node:fs';
import { mkdir, open, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { isErrorCode } from './durable-fs';
import type { FilePartition } from './lake-files';

// One writer per input partition is what the lake's files assume, and a consumer group gives it
// only to instances it has not dropped: one whose commit waited past max.poll.interval.ms goes on
// (its commit completes, its sinks close) after another instance has taken its partitions and
// recovered their files. Each recovery first claims the partition: it writes a new random token
// into the partition's owner marker (`.owners/<topic>-<partition>` under the lake's root, hidden
// from readers), through a temporary file renamed over it, so a read sees one whole token or the
// other. A writer holds the partition while the marker holds its token (a marker gone is no
// one's): it checks before every append, every roll (before it reads the staging file and again
// before its rename) and every removal, and does nothing to the files once it no longer holds it.
// Not the marker's inode: ext4 hands a freed inode number straight to the next new file, so a few
// claims later the marker has the first owner's number again.
// As a second guard, each writer remembers the identity of the staging files it made or adopted
// (device and inode, see FileId); recovery always rewrites the staging it keeps, under the same
// name but as a new file, and an append opens a known staging file without creating it.
// What is left: each check comes before the step it guards, so a claim that lands between the two
// (a `readFile` and the `write`, `rename` or `unlink` after it) is not seen by that step.

/**
 * @example throw takenOver('/lake/d/.staging-events-0-0.jsonl is not the staging file this writer made');
 */
export function takenOver(what: string): Error {
  return new Error(
    `${what}: another instance has recovered this input partition, and this instance stops here, leaving that instance's files alone. ` +
      'The usual cause: the consumer group dropped this instance after a commit that waited longer than max.poll.interval.ms ' +
      '(keep max.poll.interval.ms above the longest a commit may wait for a sink); also two sinks writing the same topic into one lake ' +
      "directory, or a deleted .owners directory under the lake's root",
  );
}

/** The owner marker of an input partition (see above). */
export function ownerMarker(root: string, files: FilePartition): string {
  return join(root, '.owners', files.stem);
}

/**
 * Claims an input partition for the writer that recovers it: replaces its owner marker with one
 * holding a new random token, and returns the token. Not synced: it only fences writers that are
 * still running.
 * @example input.ownerToken = await claimPartition(root, files);
 */
export async function claimPartition(root: string, files: FilePartition): Promise<string> {
  const marker = ownerMarker(root, files);
  await mkdir(join(root, '.owners'), { recursive: true });
  const token = randomBytes(16).toString('hex');
  const temporary = `${marker}.${token}.tmp`;
  await writeFile(temporary, `${token}\nclaimed by pid ${process.pid} on ${hostname()} at ${new Date().toISOString()}\n`);
  await rename(temporary, marker);
  return token;
}

/** Whether the partition's owner marker holds `token`: no other writer has claimed it since. */
export async function holdsPartition(root: string, files: FilePartition, token: string): Promise<boolean> {
  let text;
  try {
    text = await readFile(ownerMarker(root, files), 'utf8');
  } catch (error) {
    if (isErrorCode(error, 'ENOENT')) return false;
    throw error;
  }
  return text.slice(0, text.indexOf('\n')) === token;
}

/**
 * Whether no other writer has recovered the input partition since this one did: its owner marker
 * still holds the token this writer's recovery put there.
 * @example if (!(await ownsPartition(root, segment.input))) return;
 */
export function ownsPartition(root: string, input: { readonly files: FilePartition; readonly ownerToken: string }): Promise<boolean> {
  return holdsPartition(root, input.files, input.ownerToken);
}

/**
 * Which file a name held: its device and inode. Not its birth time: where Node cannot call
 * `statx` (kernels before 4.11, sandboxes whose seccomp profile refuses it) the birth time it
 * reports is the change time, which every append moves, and the writer's own file would look
 * like another's at its next append. An inode number can come back for a later file; the owner
 * marker's token, checked first, is what tells a writer it lost the partition.
 */
export type FileId = string;

function fileId(stats: BigIntStats): FileId {
  return `${stats.dev}:${stats.ino}`;
}

/**
 * Appends to a staging file and syncs it, if it is this writer's: the file `id` names, or when
 * `id` is undefined, a new (empty) one. `held` is asked first: whether the writer still holds
 * the partition. A known file is opened without creating it, so a writer that lost it makes no
 * stray file. Returns the file's id. The identity check is on the open file, so the data goes to
 * that file whatever happens to the name meanwhile: if recovery replaces it just after, the data
 * goes with the old file, which recovery has already read or dropped.
 * @example segment.stagingId = await appendToOwnStaging(path, lines, segment.stagingId, held);
 */
export async function appendToOwnStaging(path: string, data: Uint8Array, id: FileId | undefined, held: () => Promise<boolean>): Promise<FileId> {
  if (!(await held())) throw takenOver(`${path} is no longer this writer's to ${id === undefined ? 'start' : 'append to'}`);
  let handle;
  try {
    handle = await open(path, id === undefined ? 'a' : constants.O_WRONLY | constants.O_APPEND);
  } catch (error) {
    if (id !== undefined && isErrorCode(error, 'ENOENT')) throw takenOver(`${path} is not the staging file this writer made (it is gone)`);
    throw error;
  }
  try {
    const stats = await handle.stat({ bigint: true });
    if (id === undefined ? stats.size !== 0n : fileId(stats) !== id) throw takenOver(`${path} is not the staging file this writer made`);
    await handle.writeFile(data);
    await handle.datasync();
    return fileId(stats);
  } finally {
    await handle.close();
  }
}

/** Whether `path` is still the file `id` names (false when it is gone). */
export async function isOwnFile(path: string, id: FileId): Promise<boolean> {
  try {
    return fileId(await stat(path, { bigint: true })) === id;
  } catch (error) {
    if (isErrorCode(error, 'ENOENT')) return false;
    throw error;
  }
}

/** The id of a file. */
export async function fileIdOf(path: string): Promise<FileId> {
  return fileId(await stat(path, { bigint: true }));
}
