import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { DirectoryInUseError, localBackend, type ClaimHandlers } from '../../src';

/** One process at a time in an application's local state (StateBackend.claim). */

const STALE = '2s';
const STALE_MS = 2_000;

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'streams-lock-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

function recording(): ClaimHandlers & { waits: Array<{ holder: string; where: string; waitMs: number }>; lost: Error[] } {
  const waits: Array<{ holder: string; where: string; waitMs: number }> = [];
  const lost: Error[] = [];
  return { waits, lost, onWait: (wait) => waits.push(wait), onLost: (error) => lost.push(error) };
}

test('a second claim of the same state waits for the holder, then refuses, naming it', async () => {
  const first = localBackend({ dir, staleLockAfter: STALE });
  const second = localBackend({ dir, staleLockAfter: STALE });
  await first.claim!('app', recording());
  const handlers = recording();
  const started = Date.now();
  const refusal = await second.claim!('app', handlers).then(
    () => undefined,
    (error: unknown) => error,
  );
  const waited = Date.now() - started;
  expect(refusal).toBeInstanceOf(DirectoryInUseError);
  expect((refusal as Error).message).toContain(`state directory ${join(dir, 'app')} is in use by process ${process.pid} on host ${hostname()}`);
  // It waited for a crashed holder's lock to go stale; the holder refreshed it all along.
  expect(waited).toBeGreaterThanOrEqual(STALE_MS);
  expect(handlers.waits).toEqual([{ holder: expect.stringContaining(`process ${process.pid} on host ${hostname()}`), where: join(dir, 'app'), waitMs: STALE_MS + 2_000 }]);
  await first.close();
});

test('a claim waiting for the holder takes the state as soon as the holder releases it', async () => {
  const first = localBackend({ dir, staleLockAfter: STALE });
  const second = localBackend({ dir, staleLockAfter: STALE });
  const release = await first.claim!('app', recording());
  const handlers = recording();
  const claiming = second.claim!('app', handlers);
  await new Promise((resolve) => setTimeout(resolve, 300));
  await release();
  const releaseSecond = await claiming;
  expect(handlers.waits).toHaveLength(1);
  // The second holds it now: a third is refused.
  await expect(localBackend({ dir, staleLockAfter: STALE }).claim!('app', recording())).rejects.toThrow(DirectoryInUseError);
  await releaseSecond();
});

test('close() releases the claims: the next process claims at once', async () => {
  const first = localBackend({ dir, staleLockAfter: STALE });
  await first.claim!('app', recording());
  await first.close();
  const handlers = recording();
  const release = await localBackend({ dir, staleLockAfter: STALE }).claim!('app', handlers);
  expect(handlers.waits).toEqual([]);
  await release();
});

test('applications in one directory are claimed apart', async () => {
  const a = await localBackend({ dir }).claim!('a', recording());
  const handlers = recording();
  const b = await localBackend({ dir }).claim!('b', handlers);
  expect(handlers.waits).toEqual([]);
  await Promise.all([a(), b()]);
});

test('one backend refuses to claim an application twice', async () => {
  const backend = localBackend({ dir });
  await backend.claim!('app', recording());
  await expect(backend.claim!('app', recording())).rejects.toThrow(/already claimed through this backend/);
  await backend.close();
});

test("a killed holder's lock is taken over once it is stale", async () => {
  // A process of its own claims and is killed with SIGKILL: nothing of it releases the lock.
  const script = [
    `const { localBackend } = require(${JSON.stringify(join(__dirname, '..', '..', 'src'))});`,
    `localBackend({ dir: ${JSON.stringify(dir)}, staleLockAfter: ${JSON.stringify(STALE)} })`,
    `  .claim('app', { onLost: () => {} }).then(() => console.log('claimed'));`,
    'setInterval(() => {}, 1000);',
  ].join('\n');
  const child = spawn(process.execPath, ['--conditions=@pipeline/source', '--import', pathToFileURL(require.resolve('tsx')).href, '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => line === 'claimed' && resolve());
    child.once('exit', (code) => reject(new Error(`the holder exited (${code}) before it claimed`)));
  });
  child.kill('SIGKILL');
  await exited;
  await stat(join(dir, 'app', '.lock')); // left behind

  const handlers = recording();
  const release = await localBackend({ dir, staleLockAfter: STALE }).claim!('app', handlers);
  expect(handlers.waits).toEqual([expect.objectContaining({ holder: expect.stringContaining(`process ${child.pid} on host ${hostname()}`) })]);
  expect(JSON.parse(await readFile(join(dir, 'app', '.lock-holder.json'), 'utf8'))).toEqual(expect.objectContaining({ pid: process.pid }));
  await release();
}, 30_000);

test('a holder whose lock is taken from it is told it lost it', async () => {
  const handlers = recording();
  const release = await localBackend({ dir, staleLockAfter: STALE }).claim!('app', handlers);
  // As if another process had found it stale (this one stalled) and taken it over.
  await rm(join(dir, 'app', '.lock'), { recursive: true });
  const deadline = Date.now() + 3 * STALE_MS;
  while (handlers.lost.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  expect(handlers.lost.map((e) => e.message)).toEqual([expect.stringContaining(`lost the lock of state directory ${join(dir, 'app')}`)]);
  // Releasing a lost lock is not an error: it is no longer this process's to remove.
  await expect(release()).resolves.toBeUndefined();
});

test('a stale time under 2 s is refused, naming the option', () => {
  expect(() => localBackend({ dir, staleLockAfter: '1s' })).toThrow('localBackend: staleLockAfter must be at least 2s, got 1s');
});
