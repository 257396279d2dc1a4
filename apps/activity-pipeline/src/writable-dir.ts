import { randomUUID } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';

/**
 * Makes `dir` if it is missing, then writes a file in it and removes it; throws the fs error if
 * any step fails. The start (`checkDirectories`) and `pnpm verify` both use it. A real write, not
 * `access(W_OK)`: that passes for root whatever the directory, and for a directory with write but
 * no search (x) permission, where no file can be created.
 */
export async function probeWritableDir(dir: string): Promise<void> {
  await makeDirectory(resolve(dir));
  // A hidden name: Parquet readers of the lake skip it, even if it were left behind.
  const probe = join(dir, `.probe-${randomUUID()}.tmp`);
  await writeFile(probe, 'probe\n');
  await rm(probe);
}

/**
 * `mkdir -p`, one level at a time, each missing parent made once. Not Node's
 * mkdir(dir, { recursive: true }): where a directory that exists refuses a new child with ENOENT,
 * as /proc does, Node's loop makes the parent (EEXIST: there), tries the child again (ENOENT), and
 * so on for ever, at 100 % of a libuv thread, and its promise never settles (Node 20; STATE_DIR=/proc/x
 * hung the start). Here an ENOENT once the parent is there is the answer.
 */
async function makeDirectory(dir: string): Promise<void> {
  try {
    await mkdir(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // There already: a directory, or a file, which the probe's write then refuses (ENOTDIR).
    if (code === 'EEXIST') return;
    if (code !== 'ENOENT' || dirname(dir) === dir) throw error;
    await makeDirectory(dirname(dir));
    await mkdir(dir).catch((again: NodeJS.ErrnoException) => {
      // Made meanwhile by another process (two instances starting on one volume).
      if (again.code !== 'EEXIST') throw again;
    });
  }
}
