import path from 'node:path';

// `pnpm stack` runs through `pnpm --filter @pipeline/stack exec`, so the working directory is tools/stack,
// and jest may start anywhere: every path is derived from this file's location, never from cwd.
export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

/** Everything the stack writes (jars, broker data, logs, pid files). Gitignored. */
export const STACK_DIR = process.env.STACK_DIR ? path.resolve(process.env.STACK_DIR) : path.join(REPO_ROOT, '.stack');

/** The pom that declares the broker's runtime classpath (committed). */
export const KAFKA_POM = path.join(REPO_ROOT, 'tools', 'stack', 'kafka', 'pom.xml');

/** Idempotent schema of the pipeline's result tables. */
export const INIT_DB_SQL = path.join(REPO_ROOT, 'init-db.sql');

/** Shown to users instead of absolute paths when they are inside the repo. */
export function display(p: string): string {
  const rel = path.relative(process.cwd(), p);
  const fromRoot = path.relative(REPO_ROOT, p);
  if (!fromRoot.startsWith('..')) return fromRoot;
  return rel.startsWith('..') ? p : rel;
}
