import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO_ROOT } from '../src/paths';
import { formatSelfTimes, selfTimes, selfTimesByFile, shortLocation, type CpuProfile } from '../src/profile';

const engine = pathToFileURL(join(REPO_ROOT, 'packages/streams/src/runtime/engine.ts')).href;
const pgClient = 'file:///work/main/node_modules/.pnpm/pg@8.23.1/node_modules/pg/lib/client.js';

// root → process (engine.ts) → parse (pg client.js); samples every 1 ms: 3 in process, 1 in parse, 1 in (garbage collector)
const profile: CpuProfile = {
  nodes: [
    { id: 1, callFrame: { functionName: '(root)', url: '', lineNumber: -1 } },
    { id: 2, callFrame: { functionName: 'process', url: engine, lineNumber: 140 } },
    { id: 3, callFrame: { functionName: 'parse', url: pgClient, lineNumber: 9 } },
    { id: 4, callFrame: { functionName: '(garbage collector)', url: '', lineNumber: -1 } },
  ],
  startTime: 0,
  endTime: 6000,
  samples: [2, 2, 3, 2, 4, 2],
  timeDeltas: [0, 1000, 1000, 1000, 1000, 1000],
};

describe('CPU profile summary', () => {
  it('charges each sample the time until the next one, per function', () => {
    const top = selfTimes(profile);
    expect(top.map((t) => [t.functionName, t.ms])).toEqual([
      ['process', 3],
      ['parse', 1],
      ['(garbage collector)', 1],
    ]);
    expect(top[0]!.share).toBeCloseTo(0.6);
  });

  it('names places by repository path or package path, with 1-based lines', () => {
    expect(shortLocation(engine, 140)).toBe('packages/streams/src/runtime/engine.ts:141');
    expect(shortLocation(pgClient, 9)).toBe('pg/lib/client.js:10');
    expect(shortLocation('node:internal/streams/readable', 0)).toBe('node:internal/streams/readable:1');
    expect(shortLocation('', -1)).toBe('');
  });

  it('sums self time per file', () => {
    expect(selfTimesByFile(profile).map((f) => [f.file, f.ms])).toEqual([
      ['packages/streams/src/runtime/engine.ts', 3],
      ['pg/lib/client.js', 1],
      ['(garbage collector)', 1],
    ]);
  });

  it('prints the top n', () => {
    const lines = formatSelfTimes(selfTimes(profile), 2).split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(/^\s+3\s+60\.0%\s+process\s+packages\/streams\/src\/runtime\/engine\.ts:141$/);
  });
});
