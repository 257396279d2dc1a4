import { randomUUID } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Config } from '../config';
import { fail, pass, type CheckResult } from './report';

/** The lake directory exists (or can be made) and a file can be written in it. */
export async function checkLakeDir(config: Config): Promise<CheckResult> {
  const dir = resolve(config.lakeDir);
  // A hidden name: Parquet readers of the lake skip it even if it were left behind.
  const probe = join(dir, `.verify-${randomUUID()}.tmp`);
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(probe, 'verify\n');
    await rm(probe);
    return pass('lake directory', `${dir} is writable`);
  } catch (error) {
    return fail('lake directory', `${dir} is not writable: ${(error as Error).message}\nset LAKE_DIR to a directory this user can write`);
  }
}
