import { execFileSync, spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { DirectoryInUseError, localBackend, type ClaimOptions } from '../../src';

/** One process at a time in an application's local state (StateBackend.claim). */

jest.setTimeout(30_000);

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'streams-lock-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

function recording(): ClaimOptions & { waits: Array<{ holder: string; where: string; waitMs: number }> } {
  const waits: Array<{ holder: string; where: string; waitMs: number }> = [];
  return { waits, onWait: (wait) => waits.push(wait) };
}

/** Runs `script` (TypeScript, this package's source importable) in a process of its own; resolves once it printed `ready`. */
async function processOf(script: string): Promise<{ pid: number; kill: () => Promise<unknown>; exited: Promise<number | null> }> {
  const child = spawn(process.execPath, ['--conditions=@pipeline/source', '--import', pathToFileURL(require.resolve('tsx')).href, '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => line === 'ready' && resolve());
    void exited.then((code) => reject(new Error(`the process exited (${code}) before it was ready`)));
  });
  return { pid: child.pid!, exited, kill: () => (child.kill('SIGKILL'), exited) };
}

const SRC = JSON.stringify(join(__dirname, '..', '..', 'src'));

test('a second claim of the same state waits for the holder, then refuses, naming it', async () => {
  const first = localBackend({ dir });
  const release = await first.claim!('app');
  const handlers = recording();
  const started = Date.now();
  const refusal = await localBackend({ dir, lockWait: '1s' })
    .claim!('app', handlers)
    .then(
      () => undefined,
      (error: unknown) => error,
    );
  expect(refusal).toBeInstanceOf(DirectoryInUseError);
  expect((refusal as Error).message).toContain(`state directory ${join(dir, 'app')} is in use by process ${process.pid} on host ${hostname()}`);
  expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
  expect(handlers.waits).toEqual([{ holder: expect.stringContaining(`process ${process.pid} on host ${hostname()}`), where: join(dir, 'app'), waitMs: 1_000 }]);
  await release();
});

test('another process holding the state is refused too, and once it ends, however it ends, the state is free at once', async () => {
  const holder = await processOf(
    [`const { localBackend } = require(${SRC});`, `localBackend({ dir: ${JSON.stringify(dir)} }).claim('app').then(() => console.log('ready'));`, 'setInterval(() => {}, 1000);'].join('\n'),
  );
  const handlers = recording();
  await expect(localBackend({ dir, lockWait: '500ms' }).claim!('app', handlers)).rejects.toThrow(`is in use by process ${holder.pid} on host ${hostname()}`);
  // Killed: nothing of it released the lock, but the kernel did.
  await holder.kill();
  const next = recording();
  const release = await localBackend({ dir, lockWait: '500ms' }).claim!('app', next);
  expect(next.waits).toEqual([]);
  expect(JSON.parse(await readFile(join(dir, 'app', 'LOCK.holder'), 'utf8'))).toEqual(expect.objectContaining({ pid: process.pid, host: hostname() }));
  await release();
});

test('a claim waiting for the holder takes the state as soon as the holder lets it go', async () => {
  const release = await localBackend({ dir }).claim!('app');
  const handlers = recording();
  const claiming = localBackend({ dir }).claim!('app', handlers);
  await new Promise((resolve) => setTimeout(resolve, 300));
  const released = Date.now();
  await release();
  const releaseSecond = await claiming;
  // Its next try: every 250 ms.
  expect(Date.now() - released).toBeLessThan(2_000);
  expect(handlers.waits).toHaveLength(1);
  await expect(localBackend({ dir, lockWait: '300ms' }).claim!('app')).rejects.toThrow(DirectoryInUseError);
  await releaseSecond();
});

test('a claim waiting for the holder ends when its signal aborts, with its reason, and takes nothing', async () => {
  const release = await localBackend({ dir }).claim!('app');
  const stop = new AbortController();
  const claiming = localBackend({ dir, lockWait: '20s' }).claim!('app', { signal: stop.signal });
  await new Promise((resolve) => setTimeout(resolve, 300));
  const asked = Date.now();
  stop.abort(new Error('stopping'));
  await expect(claiming).rejects.toThrow('stopping');
  expect(Date.now() - asked).toBeLessThan(2_000);
  await release();
  const handlers = recording();
  await (await localBackend({ dir }).claim!('app', handlers))();
  expect(handlers.waits).toEqual([]);
});

test('releasing frees the state at once; close() leaves a claim to its release', async () => {
  const backend = localBackend({ dir });
  const release = await backend.claim!('app');
  // One backend can serve runtimes of several applications: closing it is not releasing theirs.
  await backend.close();
  await expect(localBackend({ dir, lockWait: '300ms' }).claim!('app')).rejects.toThrow(DirectoryInUseError);
  await release();
  await release(); // twice is once
  const handlers = recording();
  await (await localBackend({ dir }).claim!('app', handlers))();
  expect(handlers.waits).toEqual([]);
});

test('applications in one directory are claimed apart', async () => {
  const a = await localBackend({ dir }).claim!('a');
  const handlers = recording();
  const b = await localBackend({ dir }).claim!('b', handlers);
  expect(handlers.waits).toEqual([]);
  await Promise.all([a(), b()]);
});

test('one backend refuses to claim an application twice, and claims it again once released', async () => {
  const backend = localBackend({ dir });
  const release = await backend.claim!('app');
  await expect(backend.claim!('app')).rejects.toThrow(/already claimed through this backend/);
  await release();
  await (await backend.claim!('app'))();
});

test('a LOCK this process cannot write is refused: a read-only connection would let two processes in', async () => {
  const lock = join(dir, 'app', 'LOCK');
  await mkdir(join(dir, 'app'));
  await writeFile(lock, '');
  // root writes any file, but not an immutable one.
  const root = process.getuid?.() === 0;
  if (root) execFileSync('chattr', ['+i', lock]);
  else await chmod(lock, 0o444);
  try {
    await expect(localBackend({ dir }).claim!('app')).rejects.toThrow(`cannot lock the state directory: ${lock} is not writable by this user (${root ? 'EPERM' : 'EACCES'})`);
  } finally {
    if (root) execFileSync('chattr', ['-i', lock]);
  }
});

test('a LOCK that is not a SQLite database is refused with its path', async () => {
  await mkdir(join(dir, 'app'));
  await writeFile(join(dir, 'app', 'LOCK'), 'not a database, written by something else'.repeat(20));
  await expect(localBackend({ dir }).claim!('app')).rejects.toThrow(`cannot lock the state directory: ${join(dir, 'app', 'LOCK')}: file is not a database`);
});

test('a claim whose release is dropped stays held: garbage collection does not let it go', async () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  await localBackend({ dir }).claim!('app'); // its release dropped at once
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  await expect(localBackend({ dir, lockWait: '300ms' }).claim!('app')).rejects.toThrow(DirectoryInUseError);
});
