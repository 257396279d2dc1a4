import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, rmdir, stat, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { DirectoryInUseError, localBackend, type ClaimOptions } from '../../src';

/** One process at a time in an application's local state (StateBackend.claim). */

jest.setTimeout(30_000);

// The holder refreshes every second: 4 s leaves a loaded machine 3 s of slack before a live
// holder's lock looks stale.
const STALE = '4s';
const STALE_MS = 4_000;

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'streams-lock-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

function recording(): ClaimOptions & { waits: Array<{ holder: string; where: string; waitMs: number }>; lost: Error[] } {
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
  const released = Date.now();
  await release();
  const releaseSecond = await claiming;
  // Its next try (every 250 ms), then a watch past the lock's first refresh (1.5 s): it saw a lock
  // in place when it started, so it may have raced another newcomer for it.
  expect(Date.now() - released).toBeLessThan(3_000);
  expect(handlers.waits).toHaveLength(1);
  // The second holds it now: a third is refused.
  await expect(localBackend({ dir, staleLockAfter: STALE }).claim!('app', recording())).rejects.toThrow(DirectoryInUseError);
  await releaseSecond();
});

test('releasing lets the next process claim at once; close() leaves a claim to its release', async () => {
  const first = localBackend({ dir, staleLockAfter: STALE });
  const release = await first.claim!('app', recording());
  // One backend can serve runtimes of several applications: closing it is not releasing theirs.
  await first.close();
  await expect(localBackend({ dir, staleLockAfter: STALE }).claim!('app', { ...recording(), signal: AbortSignal.timeout(500) })).rejects.toThrow();
  await release();
  const handlers = recording();
  const releaseNext = await localBackend({ dir, staleLockAfter: STALE }).claim!('app', handlers);
  expect(handlers.waits).toEqual([]);
  await releaseNext();
});

test('a claim waiting for the holder ends when its signal aborts, and takes nothing', async () => {
  const release = await localBackend({ dir, staleLockAfter: STALE }).claim!('app', recording());
  const stop = new AbortController();
  const claiming = localBackend({ dir, staleLockAfter: STALE }).claim!('app', { ...recording(), signal: stop.signal });
  await new Promise((resolve) => setTimeout(resolve, 300));
  const asked = Date.now();
  stop.abort(new Error('stopping'));
  await expect(claiming).rejects.toThrow();
  expect(Date.now() - asked).toBeLessThan(200);
  await release();
  // Nothing was left held: the next claim takes it at once.
  const handlers = recording();
  await (await localBackend({ dir, staleLockAfter: STALE }).claim!('app', handlers))();
  expect(handlers.waits).toEqual([]);
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
});

test('a holder whose lock is taken over is told, its backend writes no more of that state, and its release leaves the new holder alone', async () => {
  const handlers = recording();
  const backend = localBackend({ dir, staleLockAfter: STALE });
  const release = await backend.claim!('app', handlers);
  // As another process does that found it stale (this one stalled): a lock and a holder file of its own.
  const lock = join(dir, 'app', '.lock');
  await rmdir(lock);
  await mkdir(lock);
  const newHolder = JSON.stringify({ pid: 4242, host: 'elsewhere', since: '2026-12-07T00:00:00.000Z', token: 'theirs' });
  await writeFile(join(dir, 'app', '.lock-holder.json'), newHolder);
  const deadline = Date.now() + STALE_MS;
  while (handlers.lost.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  expect(handlers.lost.map((e) => e.message)).toEqual([expect.stringContaining(`lost the lock of state directory ${join(dir, 'app')}`)]);

  const changes = new Map([['0_0', { checkpoint: { offsets: {}, time: {} }, stores: new Map() }]]);
  await expect(backend.prepare('app', 1, changes)).rejects.toThrow(/no longer this process's/);
  await expect(backend.finalize('app', 1)).rejects.toThrow(/no longer this process's/);
  await expect(backend.restore('app', ['0_0'])).rejects.toThrow(/no longer this process's/);

  await expect(release()).resolves.toBeUndefined();
  await stat(lock); // still the new holder's
  expect(await readFile(join(dir, 'app', '.lock-holder.json'), 'utf8')).toBe(newHolder);
});

test('a claim that took over a stale lock and had it taken in turn (two newcomers at once) goes back to waiting', async () => {
  // A crashed holder's stale lock.
  const lock = join(dir, 'app', '.lock');
  await mkdir(lock, { recursive: true });
  const past = new Date(Date.now() - 60_000);
  await utimes(lock, past, past);
  const handlers = recording();
  let claimedAt: number | undefined;
  const claiming = localBackend({ dir, staleLockAfter: STALE }).claim!('app', handlers);
  void claiming.then(() => (claimedAt = Date.now()));
  // As soon as it has taken it over, a second newcomer that had seen the same stale lock replaces it.
  while ((await stat(lock)).mtimeMs === past.getTime()) await new Promise((resolve) => setTimeout(resolve, 5));
  await rmdir(lock);
  await mkdir(lock);
  const replacedAt = Date.now();
  // It found out at its first refresh, before it said it held the lock: it waits for the lock
  // in place, which nobody refreshes here, so it takes that over once stale.
  const release = await claiming;
  expect(claimedAt! - replacedAt).toBeGreaterThanOrEqual(STALE_MS - 1_000);
  expect(handlers.waits).toHaveLength(1);
  expect(handlers.lost).toEqual([]);
  await release();
});

test('a stale time under 2 s is refused, naming the option', () => {
  expect(() => localBackend({ dir, staleLockAfter: '1s' })).toThrow('localBackend: staleLockAfter must be at least 2s, got 1s');
});
