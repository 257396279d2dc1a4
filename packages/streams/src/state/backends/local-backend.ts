import { mkdir, open, readdir, readFile, rm, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { parseDuration, type Duration } from '../../time/duration';
import type { Json } from '../../util/json';
import { lockDirectory } from './directory-lock';
import { firstLine, lastByte, lastLine, readIfExists, readLines, renameDurably, sizeOf, sizeOfSync, syncDirectory, writeAll, writeDurably, writeLines } from './local-files';
import { applyChanges, type StateBackend, type TaskCheckpoint, type TaskSnapshot } from './state-backend';

export interface LocalBackendOptions {
  /** Directory for state; each application gets a folder inside it. */
  dir: string;
  /**
   * Replace a task's log by a snapshot of its state once the log is larger than this many bytes
   * and than the task's last snapshot (default 64 MiB). The second condition keeps the cost of
   * snapshots in proportion: a task with 400 MB of state is not rewritten every 64 MB of changes.
   */
  compactAfterBytes?: number;
  /**
   * How long a claim waits for another process that holds the same state to let it go before it
   * refuses (default `'5s'`): a holder still stopping as its successor starts. A crashed holder's
   * lock is gone with its process, so a restart never waits for it.
   */
  lockWait?: Duration;
}

/** One commit of one task in its log: the commit id, the checkpoint and the store changes (null deletes). */
interface LogLine {
  id: number;
  cp: TaskCheckpoint;
  s: Record<string, Array<[string, Json | null]>>;
}

/** The first line of a snapshot file. Every later line is one entry: `[store, key, value]`. */
interface SnapshotHeader {
  id: number;
  cp: TaskCheckpoint;
}

/**
 * Durable state on the local disk. `prepare` appends one line per task to the task's own log
 * (fsync) and records the pending commit in `PREPARED`; `finalize` writes the commit id to
 * `COMMITTED` (write, fsync, rename). A commit is therefore atomic across tasks: restore replays
 * every task's lines up to the committed id and drops any later, partial ones, so after a crash at
 * any point state and offsets match the same commit.
 *
 * Snapshots: when a task's log has grown past `compactAfterBytes` (and past its last snapshot),
 * `prepare` writes, instead of a log line, the task's whole state as `<task>.snapshot.next`,
 * streamed from the live stores a line per entry (the state is never copied in memory);
 * `finalize` renames it over `<task>.snapshot` and empties the log. A `.next` file found at restore
 * was left by a crash: its commit was finalized (id ≤ COMMITTED) and it is put in place, or it was
 * not and it is deleted.
 *
 * Commit ids are reused after a commit is discarded (the next one is COMMITTED + 1), so restore
 * removes what a discarded commit left in *every* task's files, not only the tasks it restores: a
 * task restored later must not take an aborted line or snapshot for a finalized commit of the same
 * id.
 */
export function localBackend(options: LocalBackendOptions): StateBackend {
  const compactAfter = options.compactAfterBytes ?? 64 * 1024 * 1024;
  const lockWaitMs = parseDuration(options.lockWait ?? '5s', 'localBackend: lockWait');
  /** The applications claimed through this backend. */
  const claims = new Set<string>();
  const appDir = (app: string) => join(options.dir, app);
  const tasksDir = (app: string) => join(appDir(app), 'tasks');
  const taskLog = (app: string, task: string) => join(tasksDir(app), `${task}.log`);
  const taskSnapshot = (app: string, task: string) => join(tasksDir(app), `${task}.snapshot`);
  const nextSnapshot = (app: string, task: string) => `${taskSnapshot(app, task)}.next`;
  const manifest = (app: string) => join(appDir(app), 'COMMITTED');
  const pendingFile = (app: string) => join(appDir(app), 'PREPARED');
  /** Bytes of each task's log and snapshot (`app/task`), read once, then kept up to date. */
  const sizes = new Map<string, { log: number; snapshot: number }>();
  /** Snapshots written by `prepare`, put in place by `finalize` of the same commit. */
  const preparedSnapshots = new Map<string, { commitId: number; tasks: string[] }>();

  /** Read from disk the first time without waiting: `prepare` decides on compaction before it returns. */
  function sizesOf(app: string, task: string) {
    const id = `${app}/${task}`;
    let s = sizes.get(id);
    if (s === undefined) {
      s = { log: sizeOfSync(taskLog(app, task)), snapshot: sizeOfSync(taskSnapshot(app, task)) };
      sizes.set(id, s);
    }
    return s;
  }

  async function lastCommitId(app: string): Promise<number> {
    const content = await readIfExists(manifest(app));
    return content === undefined ? 0 : (JSON.parse(content.toString('utf8')) as { commitId: number }).commitId;
  }

  /** A snapshot whose commit is finalized replaces the old one, and the log it covers is emptied. */
  async function promote(app: string, task: string): Promise<void> {
    await renameDurably(nextSnapshot(app, task), taskSnapshot(app, task));
    // If this truncate is lost in a crash, restore skips the old lines anyway: their ids are not after the snapshot's.
    await truncate(taskLog(app, task), 0).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
    sizes.delete(`${app}/${task}`);
  }

  /**
   * Settles a `.next` snapshot left by a crash: put in place if its commit was finalized and it is
   * newer than everything else of the task, else deleted.
   */
  async function settleNextSnapshot(app: string, task: string, committed: number): Promise<void> {
    const header = await firstLine(nextSnapshot(app, task));
    const id = header === undefined ? undefined : (JSON.parse(header) as SnapshotHeader).id;
    const logged = await lastLine(taskLog(app, task));
    const newest = Math.max(await snapshotId(app, task), logged === undefined ? 0 : (JSON.parse(logged.line) as LogLine).id);
    if (id !== undefined && id <= committed && id > newest) await promote(app, task);
    else await rm(nextSnapshot(app, task), { force: true });
  }

  /** The commit id of a task's snapshot, 0 without one. */
  async function snapshotId(app: string, task: string): Promise<number> {
    if (await isLegacySnapshot(app, task)) return (JSON.parse(await readFile(taskSnapshot(app, task), 'utf8')) as LogLine).id;
    const header = await firstLine(taskSnapshot(app, task));
    return header === undefined ? 0 : (JSON.parse(header) as SnapshotHeader).id;
  }

  /** Before 0.2, a snapshot was one JSON object (a log line holding every entry) with no newline. */
  async function isLegacySnapshot(app: string, task: string): Promise<boolean> {
    const last = await lastByte(taskSnapshot(app, task));
    return last !== undefined && last !== 0x0a;
  }

  /**
   * Cuts a log's lines of commits after `committed`, and any torn bytes after its last line. A
   * last line that is whole but unreadable goes too: committed lines were synced before COMMITTED
   * named their commit, so it is one that never finished (a power loss can leave a page of zeros
   * inside a line whose end reached the disk). An unreadable line before that was committed: it
   * stays an error.
   */
  async function cutLogTail(path: string, committed: number): Promise<void> {
    for (let first = true; ; first = false) {
      const last = await lastLine(path);
      const id = last === undefined ? undefined : idOfLine(last.line, first);
      if (last !== undefined && (id === undefined || id > committed)) {
        await truncate(path, last.start);
        continue;
      }
      const validEnd = last === undefined ? 0 : last.end;
      if (validEnd < (await sizeOf(path))) await truncate(path, validEnd);
      return;
    }
  }

  /** A log line's commit id; undefined for an unreadable line when `tolerate` (the log's last line), else it throws. */
  function idOfLine(line: string, tolerate: boolean): number | undefined {
    try {
      return (JSON.parse(line) as LogLine).id;
    } catch (error) {
      if (tolerate) return undefined;
      throw error;
    }
  }

  /** Removes what uncommitted (discarded) commits left in every task's files, durably. */
  async function discardUncommitted(app: string, committed: number): Promise<void> {
    const files = await readdir(tasksDir(app));
    for (const file of files) if (file.endsWith('.log')) await cutLogTail(join(tasksDir(app), file), committed);
    for (const file of files) {
      if (file.endsWith('.snapshot.next')) await settleNextSnapshot(app, file.slice(0, -'.snapshot.next'.length), committed);
    }
    await syncDirectory(tasksDir(app));
    sizes.clear();
  }

  /** Reads a task's snapshot and log (both hold only committed commits once discardUncommitted ran). */
  async function load(app: string, task: string): Promise<TaskSnapshot | undefined> {
    const stores = new Map<string, Map<string, Json>>();
    let checkpoint: TaskCheckpoint | undefined;
    let fromId = 0;
    if (await isLegacySnapshot(app, task)) {
      const legacy = JSON.parse(await readFile(taskSnapshot(app, task), 'utf8')) as LogLine;
      ({ id: fromId, cp: checkpoint } = legacy);
      applyChanges(stores, toMaps(legacy.s));
    }
    for await (const { line } of checkpoint === undefined ? readLines(taskSnapshot(app, task)) : noLines()) {
      if (checkpoint === undefined) {
        ({ id: fromId, cp: checkpoint } = JSON.parse(line) as SnapshotHeader);
        continue;
      }
      const [store, key, value] = JSON.parse(line) as [string, string, Json];
      let entries = stores.get(store);
      if (entries === undefined) stores.set(store, (entries = new Map()));
      entries.set(key, value);
    }
    // Uncommitted and torn lines were cut by discardUncommitted.
    for await (const { line } of readLines(taskLog(app, task))) {
      const logged = JSON.parse(line) as LogLine;
      if (logged.id > fromId) {
        checkpoint = logged.cp;
        applyChanges(stores, toMaps(logged.s));
      }
    }
    return checkpoint === undefined ? undefined : { checkpoint, stores };
  }

  /** The checkpoint a prepared commit wrote for a task: in its log's last line, or in the header of its `.next` snapshot. */
  async function preparedCheckpoint(app: string, task: string, commitId: number): Promise<TaskCheckpoint | undefined> {
    const logged = await lastLine(taskLog(app, task));
    if (logged !== undefined && (JSON.parse(logged.line) as LogLine).id === commitId) return (JSON.parse(logged.line) as LogLine).cp;
    const header = await firstLine(nextSnapshot(app, task));
    if (header !== undefined && (JSON.parse(header) as SnapshotHeader).id === commitId) return (JSON.parse(header) as SnapshotHeader).cp;
    return undefined;
  }

  return {
    kind: 'local',
    durable: true,
    lastCommitId,
    async claim(app, { onWait, signal } = {}) {
      if (claims.has(app)) throw new Error(`the state of ${app} in ${options.dir} is already claimed through this backend: two runtimes cannot share it`);
      claims.add(app);
      try {
        const release = await lockDirectory(appDir(app), { waitMs: lockWaitMs, ...(onWait ? { onWait } : {}), ...(signal ? { signal } : {}) });
        let released: Promise<void> | undefined;
        return () => (released ??= (claims.delete(app), release()));
      } catch (error) {
        claims.delete(app);
        throw error;
      }
    },
    async restore(app, taskIds) {
      await mkdir(tasksDir(app), { recursive: true });
      const committed = await lastCommitId(app);
      // PREPARED goes last: until then, a crash here finds the same pending commit again.
      await discardUncommitted(app, committed);
      await rm(pendingFile(app), { force: true });
      preparedSnapshots.delete(app);
      const out = new Map<string, TaskSnapshot>();
      for (const task of taskIds) {
        const snapshot = await load(app, task);
        if (snapshot !== undefined) out.set(task, snapshot);
      }
      return out;
    },
    prepare(app, commitId, tasks) {
      // Everything is read from `tasks` before this returns: the engine processes on at once,
      // changing the live values the changes hold. A snapshot streamed from the live stores is
      // the exception: `allEntries`, called here, tells the engine to wait for the promise.
      const work = [...tasks].map(([task, changes]) => {
        const size = sizesOf(app, task);
        const compact = changes.allEntries !== undefined && size.log > Math.max(compactAfter, size.snapshot);
        if (compact) return { task, size, snapshot: snapshotLines({ id: commitId, cp: changes.checkpoint }, changes.allEntries!()) };
        const line: LogLine = { id: commitId, cp: changes.checkpoint, s: fromMaps(changes.stores) };
        return { task, size, line: `${JSON.stringify(line)}\n` };
      });
      return (async () => {
        await mkdir(tasksDir(app), { recursive: true });
        // The tasks' files are written and synced side by side: a commit costs one fsync's wait, not one per task.
        // Settled, every one, before a failure is thrown: a write still on its way when the engine
        // has taken the failure, restored and committed again would land after that restore.
        const writes = await Promise.allSettled(
          work.map(async (w) => {
            if (w.snapshot !== undefined) {
              await writeLines(nextSnapshot(app, w.task), w.snapshot);
              return { task: w.task, snapshot: true, newFile: true };
            }
            const newFile = w.size.log === 0; // possibly
            const handle = await open(taskLog(app, w.task), 'a');
            try {
              w.size.log += await writeAll(handle, w.line);
              await handle.sync();
            } finally {
              await handle.close();
            }
            return { task: w.task, snapshot: false, newFile };
          }),
        );
        const failure = writes.find((w): w is PromiseRejectedResult => w.status === 'rejected');
        if (failure !== undefined) throw failure.reason;
        const written = writes.map((w) => (w as PromiseFulfilledResult<{ task: string; snapshot: boolean; newFile: boolean }>).value);
        // A file just created is durable only with its directory entry: before PREPARED says the commit exists.
        if (written.some((w) => w.newFile)) await syncDirectory(tasksDir(app));
        preparedSnapshots.set(app, { commitId, tasks: written.filter((w) => w.snapshot).map((w) => w.task) });
        await writeDurably(pendingFile(app), JSON.stringify({ commitId, tasks: [...tasks.keys()] }));
      })();
    },
    async finalize(app, commitId) {
      await writeDurably(manifest(app), JSON.stringify({ commitId }));
      await rm(pendingFile(app), { force: true });
      const prepared = preparedSnapshots.get(app);
      preparedSnapshots.delete(app);
      // After a crash this process did not prepare them: restore puts them in place.
      if (prepared?.commitId === commitId) for (const task of prepared.tasks) await promote(app, task);
    },
    async prepared(app) {
      const pending = await readIfExists(pendingFile(app));
      if (pending === undefined) return undefined;
      const { commitId, tasks } = JSON.parse(pending.toString('utf8')) as { commitId: number; tasks: string[] };
      if (commitId <= (await lastCommitId(app))) return undefined;
      const checkpoints = new Map<string, TaskCheckpoint>();
      for (const task of tasks) {
        const checkpoint = await preparedCheckpoint(app, task, commitId);
        if (checkpoint !== undefined) checkpoints.set(task, checkpoint);
      }
      return checkpoints.size === tasks.length ? { commitId, checkpoints } : undefined;
    },
    async close() {},
  };
}

async function* noLines(): AsyncGenerator<{ line: string; end: number }> {}

function* snapshotLines(header: SnapshotHeader, entries: Iterable<readonly [string, string, Json]>): Generator<string> {
  yield JSON.stringify(header);
  for (const entry of entries) yield JSON.stringify(entry);
}

function toMaps(stores: LogLine['s']): Map<string, Map<string, Json | null>> {
  return new Map(Object.entries(stores).map(([name, entries]) => [name, new Map(entries)]));
}

function fromMaps(stores: ReadonlyMap<string, ReadonlyMap<string, Json | null>>): LogLine['s'] {
  const out: LogLine['s'] = {};
  for (const [name, entries] of stores) out[name] = [...entries];
  return out;
}
