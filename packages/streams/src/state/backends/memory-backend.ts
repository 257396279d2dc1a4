import type { Json } from '../../util/json';
import { applyChanges, type StateBackend, type TaskChanges, type TaskCheckpoint, type TaskSnapshot } from './state-backend';

interface StoredTask {
  checkpoint: TaskCheckpoint;
  stores: Map<string, Map<string, Json>>;
}

/**
 * What a durable backend would give back: it saves state as JSON. A structured clone would keep a
 * Date, a Set or Infinity, and a test of `restart()` would pass on state that production restores
 * as a string, `{}` and null.
 */
function asSaved(stores: TaskChanges['stores']): TaskChanges['stores'] {
  const copy = new Map<string, Map<string, Json | null>>();
  for (const [name, entries] of stores) {
    copy.set(name, new Map([...entries].map(([key, value]) => [key, value === null ? null : (JSON.parse(JSON.stringify(value)) as Json)])));
  }
  return copy;
}

/**
 * State kept in this process's memory: it survives an engine restart in the same process (the test
 * driver's `restart()`), not a process restart. For tests and stateless topologies. It keeps state
 * as JSON, as the durable backends do, so a value a codec should have encoded shows in tests.
 */
export function memoryBackend(): StateBackend {
  const apps = new Map<string, { commitId: number; tasks: Map<string, StoredTask>; pending?: { commitId: number; changes: ReadonlyMap<string, TaskChanges> } }>();
  const app = (id: string) => {
    let state = apps.get(id);
    if (state === undefined) apps.set(id, (state = { commitId: 0, tasks: new Map() }));
    return state;
  };
  return {
    kind: 'memory',
    durable: false,
    async restore(applicationId, taskIds) {
      const state = app(applicationId);
      delete state.pending;
      const out = new Map<string, TaskSnapshot>();
      for (const id of taskIds) {
        const task = state.tasks.get(id);
        if (task) out.set(id, { checkpoint: task.checkpoint, stores: structuredClone(task.stores) });
      }
      return out;
    },
    async prepare(applicationId, commitId, changes) {
      // Copied now: the values are the stores' live ones, which the engine may change before
      // `finalize` (it processes on while a commit completes).
      const copy = new Map([...changes].map(([id, c]) => [id, { checkpoint: structuredClone(c.checkpoint), stores: asSaved(c.stores) }]));
      app(applicationId).pending = { commitId, changes: copy };
    },
    async finalize(applicationId, commitId) {
      const state = app(applicationId);
      const pending = state.pending;
      if (pending === undefined || pending.commitId !== commitId) throw new Error(`commit ${commitId} was not prepared`);
      for (const [id, change] of pending.changes) {
        let task = state.tasks.get(id);
        if (task === undefined) state.tasks.set(id, (task = { checkpoint: change.checkpoint, stores: new Map() }));
        task.checkpoint = change.checkpoint;
        applyChanges(task.stores, change.stores);
      }
      state.commitId = commitId;
      delete state.pending;
    },
    async prepared(applicationId) {
      const pending = app(applicationId).pending;
      if (pending === undefined) return undefined;
      return { commitId: pending.commitId, checkpoints: new Map([...pending.changes].map(([id, c]) => [id, c.checkpoint])) };
    },
    async lastCommitId(applicationId) {
      return app(applicationId).commitId;
    },
    async close() {},
  };
}
