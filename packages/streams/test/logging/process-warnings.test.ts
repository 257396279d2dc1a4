import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Runs fixtures/emit-warnings.ts with `nodeOptions`, and returns its stderr's JSON lines, its other lines and its stdout. */
function run(scenario: 'main' | 'thread', nodeOptions: string[] = []): { logged: Array<Record<string, unknown>>; printed: string[]; stdout: string } {
  const tsx = pathToFileURL(require.resolve('tsx')).href;
  const child = spawnSync(process.execPath, [...nodeOptions, '--conditions=@pipeline/source', '--import', tsx, join(__dirname, 'fixtures', 'emit-warnings.ts'), scenario], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  expect(child.status).toBe(0);
  const lines = child.stderr.split('\n').filter((l) => l !== '');
  return {
    logged: lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>),
    printed: lines.filter((l) => !l.startsWith('{')),
    stdout: child.stdout,
  };
}

const logged = (message: string, fields: Record<string, unknown>) => ({ level: 'warn', component: 'node', message, timestamp: expect.any(String), ...fields });

describe('logProcessWarnings', () => {
  it("logs each process warning as one structured line in place of Node's printer, keeps other listeners, and puts the printer back", () => {
    const { logged: lines, printed, stdout } = run('main');
    expect(lines).toEqual([
      logged('SECURITY WARNING: first\nsecond line', { warning: 'Warning', code: 'PG_SSLMODE' }),
      logged('old api', { warning: 'DeprecationWarning', code: 'DEP0999' }),
    ]);
    expect(printed).toEqual([expect.stringMatching(/^\(node:\d+\) Warning: after restore$/), expect.stringContaining('--trace-warnings')]);
    expect(stdout).toBe('other listener saw: SECURITY WARNING: first\nother listener saw: old api\nother listener saw: after restore\n');
  });

  it("follows Node's settings: --no-warnings, --disable-warning, --trace-warnings, --redirect-warnings", () => {
    expect(run('main', ['--no-warnings'])).toMatchObject({ logged: [], printed: [] });
    expect(run('main', ['--disable-warning=PG_SSLMODE', '--disable-warning=Warning']).logged).toEqual([logged('old api', { warning: 'DeprecationWarning', code: 'DEP0999' })]);
    expect(run('main', ['--trace-warnings']).logged[0]).toMatchObject({ code: 'PG_SSLMODE', stack: expect.stringContaining('emit-warnings.ts') });
    // A thread's warning keeps its own stack: where it was emitted in the thread.
    expect(run('thread', ['--trace-warnings']).logged[0]).toMatchObject({ code: 'JOURNAL_WARNING', stack: expect.stringContaining('journal-sink.ts') });
    const dir = mkdtempSync(join(tmpdir(), 'redirect-warnings-'));
    try {
      const file = join(dir, 'warnings.txt');
      expect(run('main', [`--redirect-warnings=${file}`])).toMatchObject({ logged: [], printed: [] });
      expect(readFileSync(file, 'utf8')).toContain('Warning: SECURITY WARNING: first');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("logs a sink thread's warnings on the main thread, saying which thread; none with --no-warnings", () => {
    // Before: Node's printer in the thread wrote them as plain lines.
    const { logged: lines, printed } = run('thread');
    expect(lines).toEqual([logged('in the thread\nsecond line', { warning: 'Warning', code: 'JOURNAL_WARNING', detail: 'from sink thread sinks' })]);
    expect(printed).toEqual([]);
    expect(run('thread', ['--no-warnings'])).toMatchObject({ logged: [], printed: [] });
  });
});
