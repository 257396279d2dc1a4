import { randomUUID } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Makes `dir` if it is missing, then writes a file in it and removes it; throws the fs error if
 * any step fails. The start (`checkDirectories`) and `pnpm verify` both use it. A real write, not
 * `access(W_OK)`: that passes for root whatever the directory, and for a directory with write but
 * no search (x) permission, where no file can be created.
 */
export async function probeWritableDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  // A hidden name: Parquet readers of the lake skip it, even if it were left behind.
  const probe = join(dir, `.probe-${randomUUID()}.tmp`);
  await writeFile(probe, 'probe\n');
  await rm(probe);
}
