import { resolve } from 'node:path';
import type { Config } from '../config';
import { probeWritableDir } from '../writable-dir';
import { fail, pass, type CheckResult } from './report';

/** The lake directory exists (or can be made) and a file can be written in it: the start's probe. */
export async function checkLakeDir(config: Config): Promise<CheckResult> {
  const dir = resolve(config.lakeDir);
  try {
    await probeWritableDir(dir);
    return pass('lake directory', `${dir} is writable`);
  } catch (error) {
    return fail('lake directory', `${dir} is not writable: ${(error as Error).message}\nset LAKE_DIR to a directory this user can write`);
  }
}
