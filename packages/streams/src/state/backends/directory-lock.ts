import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { lock } from 'proper-lockfile';

/**
 * One process at a time in a state directory, as Kafka Streams locks its state directory: two
 * instances writing one task's log, or one restoring (and so cutting a commit the other has
 * prepared) while the other commits, would lose state without a word.
 *
 * The lock is proper-lockfile's: a directory made atomically (`.lock`), whose mtime the holder
 * refreshes every `staleMs / 2`. There is no operating-system lock in Node to rely on, so a lock
 * left by a killed process stays until it is `staleMs` old, and a newcomer waits that long for it.
 * A lock still fresh after that has a live holder, and the newcomer refuses to start.
 */
export interface DirectoryLockOptions {
  /** A lock not refreshed for this long is taken over (a crashed holder's). At least 2,000 ms. */
  readonly staleMs: number;
  /** The lock was lost while held (its refresh failed, or another process took it over). */
  readonly onLost: (error: Error) => void;
  /** The lock is held by another holder (described): called once, before waiting for it. */
  readonly onWait?: (wait: { readonly holder: string; readonly where: string; readonly waitMs: number }) => void;
}

/** Who holds a lock, written beside it for the message of whoever finds it held. */
interface Holder {
  readonly pid: number;
  readonly host: string;
  readonly since: string;
}

const MIN_STALE_MS = 2_000;
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
  await mkdir(directory, { recursive: true });
  const lockPath = join(directory, '.lock');
  const holderPath = join(directory, '.lock-holder.json');
  // A crashed holder's lock goes stale at most staleMs after this first refusal; a live holder
  // refreshes it every staleMs / 2, so one still fresh after that is refreshed, not left by a crash.
  const waitMs = options.staleMs + 2_000;
  let deadline: number | undefined;
  for (;;) {
    try {
      const release = await lock(directory, {
        lockfilePath: lockPath,
        realpath: false,
        stale: options.staleMs,
        onCompromised: (error) => options.onLost(new Error(`lost the lock of state directory ${directory}: ${error.message}`, { cause: error })),
      });
      const holder: Holder = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
      await writeFile(holderPath, JSON.stringify(holder)).catch(async (error: unknown) => {
        await release();
        throw error;
      });
      return async () => {
        await rm(holderPath, { force: true });
        // After onLost, the lock is no longer this process's to remove.
        await release().catch((error: NodeJS.ErrnoException) => {
          if (error.code !== 'ERELEASED') throw error;
        });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw error;
    }
    const now = Date.now();
    if (deadline === undefined) {
      deadline = now + waitMs;
      options.onWait?.({ holder: await describeHolder(holderPath), where: directory, waitMs });
    } else if (now >= deadline) {
      throw new DirectoryInUseError(directory, await describeHolder(holderPath));
    }
    await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
  }
}

async function describeHolder(holderPath: string): Promise<string> {
  try {
    const holder = JSON.parse(await readFile(holderPath, 'utf8')) as Holder;
    return `process ${holder.pid} on host ${holder.host} (since ${holder.since})`;
  } catch {
    // Written just after the lock is taken: a holder that has only just taken it has not yet.
    return 'another process';
  }
}
