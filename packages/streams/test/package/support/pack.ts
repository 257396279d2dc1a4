import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

export const PACKAGE_DIR = path.resolve(__dirname, '../../..');

export interface PackedPackage {
  /** The extracted tarball: what `node_modules/@pipeline/streams` holds after an install. */
  readonly dir: string;
  readonly manifest: Record<string, unknown>;
  /** Every file of the tarball, relative to `dir`, with `/` separators. */
  readonly files: ReadonlySet<string>;
}

/**
 * Builds the package and packs it as `pnpm publish` would (which replaces `catalog:` and
 * `workspace:` ranges), then extracts the tarball in `into`. The build writes `dist/` in place,
 * where `pnpm pack` takes it from; nothing in the workspace runs from `dist/`.
 * @example const packed = packPackage(mkdtempSync(join(tmpdir(), 'packed-')));
 */
export function packPackage(into: string): PackedPackage {
  execFileSync('pnpm', ['run', 'build'], { cwd: PACKAGE_DIR, stdio: 'pipe' });
  execFileSync('pnpm', ['pack', '--pack-destination', into], { cwd: PACKAGE_DIR, stdio: 'pipe' });
  const tarball = readdirSync(into).find((file) => file.endsWith('.tgz'));
  if (tarball === undefined) throw new Error(`pnpm pack wrote no tarball in ${into}`);
  execFileSync('tar', ['-xzf', tarball], { cwd: into });
  const dir = path.join(into, 'package');
  const files = new Set(readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/')));
  return { dir, manifest: JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as Record<string, unknown>, files };
}
