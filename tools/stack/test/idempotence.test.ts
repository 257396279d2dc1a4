// `stack up` on a running stack must be cheap and must not restart anything (the root `pnpm test` and
// every developer run it before tests). Needs the stack up, like the other tests here.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { stackLayout } from '../src/kafka/layout';
import { livePid } from '../src/state';

jest.setTimeout(60_000);

const packageDir = path.resolve(__dirname, '..');
const tsx = path.join(packageDir, 'node_modules', '.bin', 'tsx');
const broker = stackLayout(1).nodes[0]!;

function stack(...args: string[]): { status: number | null; stdout: string; ms: number } {
  const started = Date.now();
  const r = spawnSync(tsx, ['src/cli.ts', ...args], { cwd: packageDir, encoding: 'utf8', timeout: 50_000 });
  return { status: r.status, stdout: r.stdout + r.stderr, ms: Date.now() - started };
}

test('stack up when already up returns quickly and keeps the same broker', () => {
  const before = livePid(broker);
  expect(before).toBeDefined();

  const result = stack('up');
  expect(result.status).toBe(0);
  expect(result.stdout).toContain('already running');
  // A cold start takes 10 s or more; a re-check (readiness, topics, database) well under that.
  expect(result.ms).toBeLessThan(8_000);
  expect(livePid(broker)).toBe(before);
});

test('stack status exits 0 and names the pid, port and log', () => {
  const result = stack('status');
  expect(result.status).toBe(0);
  expect(result.stdout).toContain(`pid ${livePid(broker)}`);
  expect(result.stdout).toContain('127.0.0.1:9092 (accepting)');
  expect(result.stdout).toContain('server.log');
});
