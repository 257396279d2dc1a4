import type { Json } from '../../util/json';
import { applyChanges, type StateBackend, type TaskChanges, type TaskCheckpoint, type TaskSnapshot } from './state-backend';

interface StoredTask {
  checkpoint: TaskCheckpoint;
  stores: Map<string, Map<string, Json>>;
}

/**
 * State kept in this process's memory: it survives an engine restart in the same process (the test
 * driver's `restart()`), not a process restart. For tests and stateless topologies.
 */
export function memoryBackend(): StateBackend {
  const apps = new Map<string, { commitId: number; tasks: Map<string, StoredTask> }>();
  const app = (id: string) => {
    let state = apps.get(id);
    if (state === undefined) apps.set(id, (state = { commitId: 0, tasks: new Map() }));
    return state;
  };
  return {
    kind: 'memory',
    durable: false,
    async restore(applicationId, taskIds) {
      const { tasks } = app(applicationId);
      const out = new Map<string, TaskSnapshot>();
      for (const id of taskIds) {
        const task = tasks.get(id);
        if (task) out.set(id, { checkpoint: task.checkpoint, stores: structuredClone(task.stores) });
      }
      return out;
    },
    async commit(applicationId, commitId, changes: ReadonlyMap<string, TaskChanges>) {
      const state = app(applicationId);
      for (const [id, change] of changes) {
        let task = state.tasks.get(id);
        if (task === undefined) state.tasks.set(id, (task = { checkpoint: change.checkpoint, stores: new Map() }));
        task.checkpoint = change.checkpoint;
        applyChanges(task.stores, change.stores);
      }
      state.commitId = commitId;
    },
    async lastCommitId(applicationId) {
      return app(applicationId).commitId;
    },
    async close() {},
  };
}
