import { cpSync, mkdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PACKAGE_DIR, type PackedPackage } from './pack';

/**
 * A project outside the workspace, as after `npm install <tarball> <links…>`: the packed package
 * copied into its `node_modules`, and each package of `links` linked to the workspace's installed
 * copy (no registry). Only what is there resolves, so a `.d.ts` that reaches for anything else fails.
 * @example const root = consumerProject(dir, packed, ['@sinclair/typebox', 'winston']);
 */
export function consumerProject(root: string, packed: PackedPackage, links: readonly string[]): string {
  mkdirSync(path.join(root, 'node_modules', '@pipeline'), { recursive: true });
  writeFileSync(path.join(root, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
  cpSync(packed.dir, path.join(root, 'node_modules', '@pipeline', 'streams'), { recursive: true });
  for (const name of links) {
    const target = path.join(root, 'node_modules', name);
    mkdirSync(path.dirname(target), { recursive: true });
    symlinkSync(realpathSync(path.join(PACKAGE_DIR, 'node_modules', name)), target, 'dir');
  }
  return root;
}
