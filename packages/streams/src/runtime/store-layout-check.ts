import type { Logger } from '../logging/logger';
import type { TaskSnapshot } from '../state/backends/state-backend';
import type { Topology } from '../topology/topology';
import { storeLayoutOf } from './store-layout';

/**
 * Refuses to start on state that the topology would now read as something else, or not find.
 * Unnamed operators are numbered per kind in creation order (`windowAggregate-1`), and
 * sub-topologies in the order of their re-keying operators, while state is kept by task
 * (`<sub-topology>_<partition>`) and store. So a new version that declares an aggregation before
 * an existing one gives it the other's store (1-minute counts read as 5-minute windows), and one
 * that declares or removes a re-keying operator before others renumbers their sub-topologies
 * (their state not found: they start empty). Both sent wrong results without an error.
 *
 * Every checkpoint records the layout of every store of the topology that wrote it (so any one
 * restored task tells about all of them; storeLayoutOf), compared here with the topology's. A
 * store the topology no longer has stays in the layout as unused, since the backend may keep its
 * entries (changelogs and the memory backend do; the local backend until it compacts): a later
 * version that names another operator after it is checked against it too.
 * Checkpoints of versions before the check record nothing and are not checked.
 * @example checkStoreLayout(topology, snapshots, logger);
 */
export function checkStoreLayout(topology: Topology, snapshots: ReadonlyMap<string, TaskSnapshot>, logger: Logger): void {
  const current = storeLayoutOf(topology);
  const changed = new Set<string>();
  const moved = new Set<string>();
  const newlyUnused = new Map<string, string>();
  for (const snapshot of snapshots.values()) {
    for (const [store, [subtopology, shape, unused]] of Object.entries(snapshot.checkpoint.layout ?? {})) {
      const now = current[store];
      const held = `the state of a ${shape}${unused === undefined ? '' : ' (of an earlier version, unused since)'}`;
      if (now === undefined) {
        if (unused === undefined) newlyUnused.set(store, shape);
      } else if (now[1] !== shape) changed.add(`'${store}' holds ${held}, and is now the store of a ${now[1]}`);
      else if (now[0] !== subtopology) moved.add(`'${store}' holds ${held} kept in sub-topology ${subtopology}, and now runs in sub-topology ${now[0]}`);
    }
  }
  if (changed.size > 0) {
    throw new Error(
      `the state of '${topology.applicationId}' does not fit its topology any more: ${[...changed].join('; ')}. ` +
        'Unnamed operators are named by kind in the order they are declared (windowAggregate-1, windowAggregate-2…), so one declared before another ' +
        "takes the other's name and store. Give every stateful operator a name of its own ({ name }; to keep an operator's state, the name it had: its " +
        `store is '<name>-store'); or, for an operator whose state changed on purpose, a new name, under which it starts empty; ${RESET}`,
    );
  }
  if (moved.size > 0) {
    throw new Error(
      `the state of '${topology.applicationId}' is laid out for another topology: ${[...moved].join('; ')}. ` +
        'State is kept by sub-topology, and sub-topologies (a task per partition each) are numbered in the order their re-keying operators ' +
        '(groupBy with a new key) are declared: one declared before the others, or removed, renumbers those after it; a groupByKey made a groupBy ' +
        "moves what follows it into a sub-topology of its own. Declare new re-keyed operators after the existing ones and keep the ones that have state; or give the moved operator a new name, under which it starts empty; " +
        RESET,
    );
  }
  for (const [store, shape] of newlyUnused) {
    logger.warn('the state of a store the topology no longer has is kept, unused', { store, held: shape });
  }
}

const RESET = 'or reset the application (stop it, delete its state and its consumer group) to read its sources anew.';
