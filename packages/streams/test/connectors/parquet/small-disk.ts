import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// A disk of its own for a test: a tmpfs mounted on a temporary directory, which the test can fill
// (ENOSPC), make read-only (EROFS) and give room again, without touching any other directory.
// Mounting needs root (CAP_SYS_ADMIN); `canMountDisk` says whether this machine allows it.

export interface SmallDisk {
  readonly dir: string;
  /** Mounts it again with these options (`ro`, `rw`, `size=…`), keeping its files. */
  remount(options: string): void;
  /** Unmounts it and removes the directory. */
  remove(): void;
}

const mount = (args: string[]) => execFileSync('mount', args, { stdio: 'pipe' });

/** Whether a tmpfs can be mounted here (as root, with the privilege to); probed once. */
export const canMountDisk: boolean = (() => {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return false;
  const probe = mkdtempSync(join(tmpdir(), 'small-disk-probe-'));
  try {
    mount(['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe]);
    execFileSync('umount', [probe]);
    return true;
  } catch {
    return false;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
})();

/** A tmpfs of `size` (e.g. `'256k'`) on a new temporary directory. */
export function smallDisk(size: string): SmallDisk {
  const dir = mkdtempSync(join(tmpdir(), 'small-disk-'));
  mount(['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]);
  return {
    dir,
    remount(options) {
      // A file open for writing makes `remount,ro` fail (EBUSY) for a moment: try again briefly.
      for (let attempt = 1; ; attempt++) {
        try {
          mount(['-o', `remount,${options}`, dir]);
          return;
        } catch (error) {
          if (attempt >= 50) throw error;
          execFileSync('sleep', ['0.02']);
        }
      }
    },
    remove() {
      try {
        execFileSync('umount', [dir], { stdio: 'pipe' });
      } catch {
        // Busy (a runtime that has not let go of a file): detach it now, freed once let go.
        execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
