import { readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import type { PackedPackage } from './pack';

/** The package a bare specifier names: `@scope/name` or `name`, without a subpath. */
function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

/** Every package (not `node:` built-ins) the tarball's declaration files import, with a file importing it. */
export function packagesDeclarationsImport(packed: PackedPackage): Map<string, string> {
  const packages = new Map<string, string>();
  for (const file of packed.files) {
    if (!file.endsWith('.d.ts')) continue;
    const { importedFiles } = ts.preProcessFile(readFileSync(path.join(packed.dir, file), 'utf8'), true, true);
    for (const { fileName } of importedFiles) {
      if (fileName.startsWith('.') || fileName.startsWith('node:')) continue;
      packages.set(packageOf(fileName), file);
    }
  }
  return packages;
}
