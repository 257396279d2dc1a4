import type { Logger } from '../logging/logger';
import type { TaskSnapshot } from '../state/backends/state-backend';
import type { Topology } from '../topology/topology';

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
 * restored task tells about all of them), compared here with the topology's. Checkpoints of
 * versions before it record nothing and are not checked. A store the topology no longer has is
 * dropped, with a warning.
 * @example checkStoreLayout(topology, snapshots, logger);
 */
export function checkStoreLayout(topology: Topology, snapshots: ReadonlyMap<string, TaskSnapshot>, logger: Logger): void {
  const changed = new Set<string>();
  const moved = new Set<string>();
  const dropped = new Map<string, string>();
  for (const snapshot of snapshots.values()) {
    for (const [store, [subtopology, shape]] of Object.entries(snapshot.checkpoint.layout ?? {})) {
      const now = topology.storeLayout[store];
      if (now === undefined) dropped.set(store, shape);
      else if (now[1] !== shape) changed.add(`'${store}' holds the state of a ${shape}, and is now the store of a ${now[1]}`);
      else if (now[0] !== subtopology) moved.add(`'${store}' was kept in sub-topology ${subtopology}, and now runs in sub-topology ${now[0]}`);
    }
  }
  if (changed.size > 0) {
    throw new Error(
      `the state of '${topology.applicationId}' does not fit its topology any more: ${[...changed].join('; ')}. ` +
        'Unnamed operators are named by kind in the order they are declared (windowAggregate-1, windowAggregate-2…), so one declared before another ' +
        "takes the other's name and store. Give every stateful operator a name of its own ({ name }; to keep an operator's state, the name it had: its " +
        "store is '<name>-store'); or, for an operator whose windows or aggregator changed on purpose, a new name, under which it starts empty; " +
        RESET,
    );
  }
  if (moved.size > 0) {
    throw new Error(
      `the state of '${topology.applicationId}' is laid out for another topology: ${[...moved].join('; ')}. ` +
        'Sub-topologies (a task per partition each, whose state is kept under its id) are numbered in the order their re-keying operators ' +
        '(groupBy with a new key) are declared, so one declared before the others, or one removed, renumbers those after it. Declare new ' +
        're-keyed operators after the existing ones, and keep the ones that have state; ' +
        RESET,
    );
  }
  for (const [store, shape] of dropped) {
    logger.warn('state of a store the topology no longer has is dropped', { store, held: shape });
  }
}

const RESET = 'or reset the application (stop it, delete its state and its consumer group) to read its sources anew.';
