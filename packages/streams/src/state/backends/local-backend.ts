import { mkdir, open, readFile, rename, rm, truncate, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Json } from '../../util/json';
import { applyChanges, type StateBackend, type TaskChanges, type TaskCheckpoint, type TaskSnapshot } from './state-backend';

export interface LocalBackendOptions {
  /** Directory for state; each application gets a folder inside it. */
  dir: string;
  /** Compact a task's log into a snapshot once it exceeds this many bytes (default 64 MiB). */
  compactAfterBytes?: number;
}

interface LogLine {
  id: number;
  cp: TaskCheckpoint;
  s: Record<string, Array<[string, Json | null]>>;
}

/**
 * Durable state on the local disk. `prepare` appends one line per task to the task's own log
 * (fsync) and records the pending commit in `PREPARED`; `finalize` writes the commit id to
 * `COMMITTED` (write, fsync, rename). A commit is therefore atomic across tasks: restore replays
 * every task's lines up to the committed id and drops any later, partial ones, so after a crash at
 * any point state and offsets match the same commit. Logs are compacted into snapshots when they
 * grow.
 */
export function localBackend(options: LocalBackendOptions): StateBackend {
  const compactAfter = options.compactAfterBytes ?? 64 * 1024 * 1024;
  const appDir = (app: string) => join(options.dir, app);
  const taskLog = (app: string, task: string) => join(appDir(app), 'tasks', `${task}.log`);
  const taskSnapshot = (app: string, task: string) => join(appDir(app), 'tasks', `${task}.snapshot`);
  const manifest = (app: string) => join(appDir(app), 'COMMITTED');
  const pendingFile = (app: string) => join(appDir(app), 'PREPARED');
  /** Tasks whose log outgrew `compactAfter`: compacted after the next finalize. */
  const grown = new Set<string>();

  async function lastCommitId(app: string): Promise<number> {
    try {
      return (JSON.parse(await readFile(manifest(app), 'utf8')) as { commitId: number }).commitId;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw error;
    }
  }

  /** Reads a task's snapshot and committed log lines; cuts uncommitted or torn lines off the log. */
  async function load(app: string, task: string, committed: number): Promise<TaskSnapshot | undefined> {
    const stores = new Map<string, Map<string, Json>>();
    let checkpoint: TaskCheckpoint | undefined;
    let fromId = 0;
    const snapshot = await readIfExists(taskSnapshot(app, task));
    if (snapshot !== undefined) {
      const parsed = JSON.parse(snapshot.toString('utf8')) as LogLine;
      fromId = parsed.id;
      checkpoint = parsed.cp;
      applyChanges(stores, toMaps(parsed.s));
    }
    const log = await readIfExists(taskLog(app, task));
    if (log !== undefined) {
      let position = 0;
      let validBytes = 0;
      while (position < log.length) {
        const end = log.indexOf(0x0a, position);
        if (end < 0) break; // torn last line: the commit it belonged to never completed
        const line = JSON.parse(log.subarray(position, end).toString('utf8')) as LogLine;
        if (line.id > committed) break; // written, but COMMITTED was not: not part of any commit
        if (line.id > fromId) {
          checkpoint = line.cp;
          applyChanges(stores, toMaps(line.s));
        }
        position = end + 1;
        validBytes = position;
      }
      if (validBytes < log.length) await truncate(taskLog(app, task), validBytes);
    }
    return checkpoint === undefined ? undefined : { checkpoint, stores };
  }

  async function compact(app: string, task: string, committed: number): Promise<void> {
    const state = await load(app, task, committed);
    if (state === undefined) return;
    const line: LogLine = { id: committed, cp: state.checkpoint, s: fromMaps(state.stores) };
    await writeDurably(taskSnapshot(app, task), JSON.stringify(line));
    await truncate(taskLog(app, task), 0);
  }

  return {
    kind: 'local',
    durable: true,
    lastCommitId,
    async restore(app, taskIds) {
      await mkdir(join(appDir(app), 'tasks'), { recursive: true });
      const committed = await lastCommitId(app);
      await rm(pendingFile(app), { force: true });
      const out = new Map<string, TaskSnapshot>();
      for (const task of taskIds) {
        const snapshot = await load(app, task, committed);
        if (snapshot !== undefined) out.set(task, snapshot);
      }
      return out;
    },
    async prepare(app, commitId, tasks: ReadonlyMap<string, TaskChanges>) {
      await mkdir(join(appDir(app), 'tasks'), { recursive: true });
      for (const [task, changes] of tasks) {
        const line: LogLine = { id: commitId, cp: changes.checkpoint, s: fromMaps(changes.stores) };
        const handle = await open(taskLog(app, task), 'a');
        try {
          await handle.write(`${JSON.stringify(line)}\n`);
          await handle.sync();
          if ((await handle.stat()).size > compactAfter) grown.add(task);
        } finally {
          await handle.close();
        }
      }
      await writeDurably(pendingFile(app), JSON.stringify({ commitId, tasks: [...tasks.keys()] }));
    },
    async finalize(app, commitId) {
      await writeDurably(manifest(app), JSON.stringify({ commitId }));
      await rm(pendingFile(app), { force: true });
      for (const task of grown) await compact(app, task, commitId);
      grown.clear();
    },
    async prepared(app) {
      const pending = await readIfExists(pendingFile(app));
      if (pending === undefined) return undefined;
      const { commitId, tasks } = JSON.parse(pending.toString('utf8')) as { commitId: number; tasks: string[] };
      if (commitId <= (await lastCommitId(app))) return undefined;
      const checkpoints = new Map<string, TaskCheckpoint>();
      for (const task of tasks) {
        const line = await lastLine(taskLog(app, task));
        if (line?.id === commitId) checkpoints.set(task, line.cp);
      }
      return checkpoints.size === tasks.length ? { commitId, checkpoints } : undefined;
    },
    async close() {},
  };
}

/** The last complete line of a task log. */
async function lastLine(path: string): Promise<LogLine | undefined> {
  const log = await readIfExists(path);
  if (log === undefined) return undefined;
  const end = log.lastIndexOf(0x0a);
  if (end < 0) return undefined;
  const start = log.lastIndexOf(0x0a, end - 1) + 1;
  return JSON.parse(log.subarray(start, end).toString('utf8')) as LogLine;
}

async function readIfExists(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Write to a temporary file, fsync, rename over the target: readers see the old or the new file, whole. */
async function writeDurably(path: string, content: string): Promise<void> {
  const tmp = `${path}.tmp`;
  await writeFile(tmp, content);
  const handle = await open(tmp, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tmp, path);
  // The rename itself is durable only once the directory is synced.
  const dir = await open(dirname(path), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

function toMaps(stores: LogLine['s']): Map<string, Map<string, Json | null>> {
  return new Map(Object.entries(stores).map(([name, entries]) => [name, new Map(entries)]));
}

function fromMaps(stores: ReadonlyMap<string, ReadonlyMap<string, Json | null>>): LogLine['s'] {
  const out: LogLine['s'] = {};
  for (const [name, entries] of stores) out[name] = [...entries];
  return out;
}
