import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { allocationSites, formatAllocationSites, type HeapProfile, type HeapProfileNode } from '../src/allocation-profile';
import { REPO_ROOT } from '../src/paths';

const decoder = pathToFileURL(join(REPO_ROOT, 'packages/streams/src/sources/decoder.ts')).href;
const pgUtils = 'file:///work/main/node_modules/.pnpm/pg@8.23.1/node_modules/pg/lib/utils.js';

const node = (functionName: string, url: string, lineNumber: number, selfSize: number, children: HeapProfileNode[] = []): HeapProfileNode => ({
  callFrame: { functionName, url, lineNumber },
  selfSize,
  children,
});

// root → decode (600 B) → arrayString (300 B) → the built-in sort (50 B); root → (V8 API)
// (100 B); the same decode line reached by a second path (another 200 B) adds to the same site.
const profile: HeapProfile = {
  head: node('(root)', '', -1, 0, [
    node('decode', decoder, 17, 600, [node('arrayString', pgUtils, 22, 300, [node('sort', '', -1, 50)])]),
    node('loop', decoder, 3, 0, [node('decode', decoder, 17, 200)]),
    node('(V8 API)', '', -1, 100),
  ]),
};

describe('allocation profile summary', () => {
  it('sums the bytes of each function, whatever the path to it, most first', () => {
    expect(allocationSites(profile).map((s) => [s.functionName, s.location, s.bytes])).toEqual([
      ['decode', 'packages/streams/src/sources/decoder.ts:18', 800],
      ['arrayString', 'pg/lib/utils.js:23', 300],
      ['(V8 API)', '', 100],
      ['sort ← arrayString', 'pg/lib/utils.js:23', 50],
    ]);
    expect(allocationSites(profile)[0]!.share).toBeCloseTo(800 / 1250);
  });

  it('prints the top n with their bytes an event', () => {
    const lines = formatAllocationSites(allocationSites(profile), 2, 4).split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(/^\s+0\s+64\.0%\s+200\s+decode\s+packages\/streams\/src\/sources\/decoder\.ts:18$/);
    expect(lines[2]).toMatch(/^\s+0\s+24\.0%\s+75\s+arrayString\s+pg\/lib\/utils\.js:23$/);
  });
});
