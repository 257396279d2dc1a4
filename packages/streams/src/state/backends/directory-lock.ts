import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { lock } from 'proper-lockfile';

/**
 * One process at a time in a state directory, as Kafka Streams locks its state directory: two
 * instances writing one task's log, or one restoring (and so cutting a commit the other has
 * prepared) while the other commits, would lose state without a word.
 *
 * The lock is proper-lockfile's: a directory made atomically (`.lock`), whose mtime the holder
 * refreshes every second. Node has no operating-system lock to rely on, so a lock left by a killed
 * process stays until it is `staleMs` old, and a newcomer waits that long for it. A lock still
 * fresh after that has a live holder, and the newcomer refuses to start.
 *
 * Taking over a stale lock is stat, then rmdir, then mkdir, so two newcomers can both take it
 * (moxystudio/node-proper-lockfile#121): the one whose lock was replaced finds out at its first
 * refresh, a second later. After a takeover, this waits past that refresh before it returns.
 */
export interface DirectoryLockOptions {
  /** A lock not refreshed for this long is taken over (a crashed holder's). At least 2,000 ms. */
  readonly staleMs: number;
  /** The lock was lost while held: another process took it over (this one could not refresh it for `staleMs`). */
  readonly onLost: (error: Error) => void;
  /** The lock is held by another holder (described): called once, before waiting for it. */
  readonly onWait?: (wait: { readonly holder: string; readonly where: string; readonly waitMs: number }) => void;
  /** Ends the wait: the lock is not taken (or given back at once), and this rejects with the signal's reason. */
  readonly signal?: AbortSignal;
}

/** Who holds a lock, written beside it for the message of whoever finds it held. */
interface Holder {
  readonly pid: number;
  readonly host: string;
  readonly since: string;
  /** Tells this holder's file from a later holder's: a lost lock's release leaves the new one's. */
  readonly token: string;
}

const MIN_STALE_MS = 2_000;
/** How often the holder refreshes its lock: proper-lockfile's shortest. */
const REFRESH_MS = 1_000;
/** How long a taken-over lock is watched before it counts as held: past its first refresh. */
const SETTLE_MS = REFRESH_MS + 500;
const RETRY_MS = 250;

export class DirectoryInUseError extends Error {
  constructor(
    readonly directory: string,
    holder: string,
  ) {
    super(
      `state directory ${directory} is in use by ${holder}: its lock (${join(directory, '.lock')}) stayed fresh, so that process is running. ` +
        'Two instances must not share one state directory: give each its own, or run them as several instances of one group (multi-instance scaling), whose state lives in changelog topics',
    );
    this.name = 'DirectoryInUseError';
  }
}

/** Takes the directory's lock (making the directory), waiting for a crashed holder's to go stale. */
export async function lockDirectory(directory: string, options: DirectoryLockOptions): Promise<() => Promise<void>> {
  if (!(options.staleMs >= MIN_STALE_MS)) throw new RangeError(`the state directory lock's stale time must be at least ${MIN_STALE_MS} ms, got ${options.staleMs}`);
  const { signal } = options;
  await mkdir(directory, { recursive: true });
  const lockPath = join(directory, '.lock');
  const holderPath = join(directory, '.lock-holder.json');
  // A crashed holder's lock goes stale at most staleMs after this first refusal; a live holder
  // refreshes it every second, so one still fresh after that is refreshed, not left by a crash.
  const waitMs = options.staleMs + 2_000;
  let deadline: number | undefined;
  for (;;) {
    signal?.throwIfAborted();
    const takingOver = deadline !== undefined || (await exists(lockPath));
    // Until this returns, a lost lock is a takeover race lost, not the caller's loss.
    let claimed = false;
    let lostBeforeClaimed = false;
    let released = false;
    let release: () => Promise<void>;
    try {
      release = await lock(directory, {
        lockfilePath: lockPath,
        realpath: false,
        stale: options.staleMs,
        update: REFRESH_MS,
        onCompromised: (error) => {
          // proper-lockfile may report a compromise after its release (a refresh already on its way).
          if (released) return;
          if (!claimed) lostBeforeClaimed = true;
          else options.onLost(new Error(`lost the lock of state directory ${directory}: ${error.message}`, { cause: error }));
        },
      });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw error;
      release = async () => {};
      lostBeforeClaimed = true;
    }
    const giveBack = async () => {
      released = true;
      await release().catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ERELEASED' && error.code !== 'ECOMPROMISED') throw error;
      });
    };
    if (!lostBeforeClaimed && takingOver) {
      await sleep(SETTLE_MS, undefined, { signal }).catch(async (error: unknown) => {
        await giveBack();
        throw error;
      });
    }
    if (!lostBeforeClaimed) {
      if (signal?.aborted) {
        await giveBack();
        signal.throwIfAborted();
      }
      const holder: Holder = { pid: process.pid, host: hostname(), since: new Date().toISOString(), token: randomUUID() };
      try {
        await writeFile(holderPath, JSON.stringify(holder));
      } catch (error) {
        await giveBack();
        throw error;
      }
      claimed = true;
      return async () => {
        if (released) return;
        // A later holder's file stays: this one's lock may have been taken over.
        if ((await readHolder(holderPath))?.token === holder.token) await rm(holderPath, { force: true });
        await giveBack();
      };
    }
    await giveBack();
    const now = Date.now();
    if (deadline === undefined) {
      deadline = now + waitMs;
      options.onWait?.({ holder: describe(await readHolder(holderPath)), where: directory, waitMs });
    } else if (now >= deadline) {
      throw new DirectoryInUseError(directory, describe(await readHolder(holderPath)));
    }
    await sleep(RETRY_MS, undefined, { signal });
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
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
