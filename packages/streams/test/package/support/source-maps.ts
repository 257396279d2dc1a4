import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { PackedPackage } from './pack';

/** Every `sources` entry of the tarball's source maps, as a path in the tarball, with its map. */
export function sourceMapSources(packed: PackedPackage): Array<{ map: string; source: string }> {
  const found: Array<{ map: string; source: string }> = [];
  for (const map of packed.files) {
    if (!map.endsWith('.map')) continue;
    const { sources, sourceRoot = '' } = JSON.parse(readFileSync(path.join(packed.dir, map), 'utf8')) as { sources: string[]; sourceRoot?: string };
    for (const source of sources) found.push({ map, source: path.posix.normalize(path.posix.join(path.posix.dirname(map), sourceRoot, source)) });
  }
  return found;
}
