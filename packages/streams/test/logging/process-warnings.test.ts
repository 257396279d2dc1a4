import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Runs fixtures/emit-warnings.ts (two warnings logged, then Node's printer restored for a third) and returns its stderr. */
function run(nodeOptions: string[] = []): string {
  const tsx = pathToFileURL(require.resolve('tsx')).href;
  const child = spawnSync(process.execPath, [...nodeOptions, '--conditions=@pipeline/source', '--import', tsx, join(__dirname, 'fixtures', 'emit-warnings.ts')], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  expect(child.status).toBe(0);
  return child.stderr;
}

describe('logProcessWarnings', () => {
  it("logs each process warning as one structured line in place of Node's printer, until restored", () => {
    const lines = run().trimEnd().split('\n');
    const logged = lines.slice(0, 2).map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(logged).toEqual([
      { level: 'warn', message: 'SECURITY WARNING: first\nsecond line', warning: 'Warning', code: 'PG_SSLMODE', component: 'node', timestamp: expect.any(String) },
      { level: 'warn', message: 'old api', warning: 'DeprecationWarning', code: 'DEP0999', component: 'node', timestamp: expect.any(String) },
    ]);
    // Restored: Node prints the next one its own way.
    expect(lines[2]).toMatch(/^\(node:\d+\) Warning: after restore$/);
  });

  it('logs nothing when Node was told not to print warnings (--no-warnings)', () => {
    expect(run(['--no-warnings'])).toBe('');
  });
});
