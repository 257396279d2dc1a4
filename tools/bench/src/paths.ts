import { isAbsolute, resolve } from 'node:path';

/** The monorepo's root (this file is tools/bench/src/paths.ts). */
export const REPO_ROOT = resolve(__dirname, '../../..');

/** The bench package's folder. */
export const BENCH_DIR = resolve(__dirname, '..');

/**
 * A path given on the command line, resolved against the directory `pnpm bench` was typed in
 * (pnpm runs the script in tools/bench, and says where it was called from in INIT_CWD).
 */
export function userPath(path: string): string {
  return isAbsolute(path) ? path : resolve(process.env.INIT_CWD ?? process.cwd(), path);
}
