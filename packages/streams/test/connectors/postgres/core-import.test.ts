import { readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

// Importing the core must not load kysely or pg (optional peer dependencies): only the
// `@pipeline/streams/postgres` subpath may. Walks the import graph the compiler sees.

const SRC = path.resolve(__dirname, '../../../src');

/** Every package (bare specifier) reachable through imports from `entry`, with the file importing it. */
function packagesReachedFrom(entry: string): Map<string, string> {
  const packages = new Map<string, string>();
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    for (const { fileName: spec } of importedFiles) {
      if (spec.startsWith('.')) visit(resolve(path.dirname(file), spec));
      else if (!spec.startsWith('node:')) packages.set(spec, path.relative(SRC, file));
    }
  };
  visit(entry);
  return packages;
}

function resolve(dir: string, spec: string): string {
  for (const candidate of [`${spec}.ts`, `${spec}/index.ts`, spec]) {
    const file = path.join(dir, candidate);
    try {
      readFileSync(file);
      return file;
    } catch {
      // not this one
    }
  }
  throw new Error(`cannot resolve ${spec} from ${dir}`);
}

describe('entry points', () => {
  it('the core loads neither kysely nor pg', () => {
    const reached = packagesReachedFrom(path.join(SRC, 'index.ts'));
    expect([...reached.keys()].filter((p) => p === 'pg' || p === 'kysely' || p.startsWith('kysely/'))).toEqual([]);
  });

  it('the postgres subpath does', () => {
    const reached = packagesReachedFrom(path.join(SRC, 'connectors/postgres/index.ts'));
    expect([...reached.keys()]).toEqual(expect.arrayContaining(['kysely', 'pg']));
  });
});
