import { constants } from 'node:fs';
import { access, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * One process at a time in a state directory, as Kafka Streams locks its own: two instances
 * writing one task's log, or one restoring (and so cutting a commit the other has prepared) while
 * the other commits, would lose state without a word.
 *
 * Kafka Streams takes an operating-system lock (`FileChannel.tryLock`, fcntl on Linux). Node has no
 * file locking of its own, so this takes the same kind of lock through SQLite (better-sqlite3): an
 * exclusive transaction on `LOCK`, left open while the directory is held. The kernel drops it when
 * the process ends, however it ends, so a restart after a crash takes it at once, and a lock that
 * is held has a live holder: nothing goes stale, and no refresh can be late. A lock file kept
 * fresh by its holder (mkdir and mtime, as proper-lockfile does) was tried first and dropped: a
 * restart after a crash waited for it to go stale, a holder's stall longer than that let a
 * newcomer in while the holder's commit was still on its way, and two newcomers could both take
 * a stale one.
 */
export interface DirectoryLockOptions {
  /**
   * How long to wait for a held lock before refusing: its holder may be stopping (flushing and
   * committing) as this process starts, in a restart that overlaps.
   */
  readonly waitMs: number;
  /** The lock is held by another holder (described): called once, before waiting for it. */
  readonly onWait?: (wait: { readonly holder: string; readonly where: string; readonly waitMs: number }) => void;
  /** Ends the wait: nothing is taken, and this rejects with the signal's reason. */
  readonly signal?: AbortSignal;
}

/** The part of a better-sqlite3 database used here (its types are not this package's to publish). */
interface LockDatabase {
  pragma(source: string): unknown;
  exec(source: string): unknown;
  close(): unknown;
}

/** Who holds a lock, written beside it for the message of whoever finds it held. */
interface Holder {
  readonly pid: number;
  readonly host: string;
  readonly since: string;
}

const RETRY_MS = 250;

export class DirectoryInUseError extends Error {
  constructor(
    readonly directory: string,
    holder: string,
  ) {
    super(
      `state directory ${directory} is in use by ${holder}: it holds the directory's lock (${join(directory, 'LOCK')}). ` +
        'Two instances must not share one state directory: give each its own, or run them as several instances of one group (multi-instance scaling), whose state lives in changelog topics',
    );
    this.name = 'DirectoryInUseError';
  }
}

/** Takes the directory's lock (making the directory), waiting up to `waitMs` for its holder to let it go. */
export async function lockDirectory(directory: string, options: DirectoryLockOptions): Promise<() => Promise<void>> {
  const { signal } = options;
  await mkdir(directory, { recursive: true });
  const lockPath = join(directory, 'LOCK');
  const holderPath = join(directory, 'LOCK.holder');
  const open = loadDatabase();
  await refuseReadOnly(lockPath);
  let deadline: number | undefined;
  for (;;) {
    if (signal?.aborted) throw signal.reason;
    const db = tryLock(open, lockPath);
    if (db !== undefined) {
      // Held from here: better-sqlite3 closes a connection it collects, and the lock would go with it.
      held.add(db);
      const letGo = () => {
        held.delete(db);
        db.close();
      };
      try {
        const holder: Holder = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
        await writeFile(holderPath, JSON.stringify(holder));
      } catch (error) {
        letGo();
        throw error;
      }
      let released = false;
      return async () => {
        if (released) return;
        released = true;
        // Before the lock goes: once it has, the file is the next holder's to write.
        await rm(holderPath, { force: true }).finally(letGo);
      };
    }
    const now = Date.now();
    if (deadline === undefined) {
      deadline = now + options.waitMs;
      options.onWait?.({ holder: describe(await readHolder(holderPath)), where: directory, waitMs: options.waitMs });
    } else if (now >= deadline) {
      throw new DirectoryInUseError(directory, describe(await readHolder(holderPath)));
    }
    try {
      await sleep(RETRY_MS, undefined, { signal });
    } catch {
      throw signal!.reason;
    }
  }
}

/** The connections that hold a lock, until released. */
const held = new Set<LockDatabase>();

/** The lock's database with the lock taken, or undefined if another connection (any process's) holds it. */
function tryLock(open: (path: string) => LockDatabase, lockPath: string): LockDatabase | undefined {
  let db: LockDatabase | undefined;
  try {
    db = open(lockPath);
    // Exclusive locking mode keeps the lock for as long as the connection is open.
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
    return db;
  } catch (error) {
    db?.close();
    if ((error as { code?: string }).code === 'SQLITE_BUSY') return undefined;
    throw new Error(
      `cannot lock the state directory: ${lockPath}: ${(error as Error).message}. It must be a file this user can write, ` +
        'in a directory it can write (a LOCK that is not a SQLite database, made by something else, can be deleted while no instance runs)',
      { cause: error },
    );
  }
}

/**
 * SQLite opens a file it cannot write read-only, without a word, and a read-only connection's
 * exclusive transaction holds only a shared lock: two processes would both "hold" the directory.
 * `access` opens no descriptor: closing one on LOCK would drop this process's lock (fcntl).
 */
async function refuseReadOnly(lockPath: string): Promise<void> {
  try {
    await access(lockPath, constants.W_OK);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new Error(`cannot lock the state directory: ${lockPath} is not writable by this user (${(error as NodeJS.ErrnoException).code}): a lock taken on it would not keep another process out`, { cause: error });
  }
}

function loadDatabase(): (path: string) => LockDatabase {
  let Database: new (path: string, options: { timeout: number }) => LockDatabase;
  try {
    // Loaded when a state directory is locked, not when the package is: an application that keeps
    // its state elsewhere needs no better-sqlite3.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    Database = require('better-sqlite3') as typeof Database;
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND' && (error as Error).message.includes("'better-sqlite3'");
    if (!missing) throw error;
    throw new Error('localBackend locks its state directory through better-sqlite3, an optional peer dependency of @pipeline/streams: pnpm add better-sqlite3@^12', { cause: error });
  }
  // timeout 0: a held lock answers SQLITE_BUSY at once; the wait is this module's, and stoppable.
  return (path) => new Database(path, { timeout: 0 });
}

async function readHolder(holderPath: string): Promise<Holder | undefined> {
  try {
    return JSON.parse(await readFile(holderPath, 'utf8')) as Holder;
  } catch {
    // Written just after the lock is taken: a holder that has only just taken it has not yet.
    return undefined;
  }
}

function describe(holder: Holder | undefined): string {
  return holder === undefined ? 'another process' : `process ${holder.pid} on host ${holder.host} (since ${holder.since})`;
}
