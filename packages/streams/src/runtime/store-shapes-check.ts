import type { Logger } from '../logging/logger';
import type { TaskSnapshot } from '../state/backends/state-backend';
import type { Topology } from '../topology/topology';

/**
 * Refuses to start on state that the topology would now read as something else. Unnamed
 * operators are numbered per kind in creation order (`windowAggregate-1`), so a new aggregation
 * declared before an existing one takes its name and store: without this check it would read
 * the other's entries (1-minute counts as 5-minute windows, counts as sets) and send wrong
 * results without an error. Each restored task's checkpoint names what its stores held
 * (storeShapesOf); checkpoints of versions before it name nothing and are not checked. A store
 * the topology no longer has is dropped, with a warning.
 * @example checkStoreShapes(topology, snapshots, (id) => tasks.get(id)!.subtopology.storeShapes, logger);
 */
export function checkStoreShapes(
  topology: Topology,
  snapshots: ReadonlyMap<string, TaskSnapshot>,
  shapesOfTask: (taskId: string) => Readonly<Record<string, string>>,
  logger: Logger,
): void {
  const changed: string[] = [];
  const moved: string[] = [];
  const dropped = new Map<string, string>();
  const subtopologyOfStore = new Map(topology.subtopologies.flatMap((sub) => sub.stores.map((store) => [store, sub.id] as const)));
  for (const [taskId, snapshot] of snapshots) {
    const stored = snapshot.checkpoint.shapes;
    if (stored === undefined) continue;
    const now = shapesOfTask(taskId);
    for (const [store, before] of Object.entries(stored)) {
      const after = now[store];
      const elsewhere = subtopologyOfStore.get(store);
      if (after === undefined && elsewhere !== undefined) moved.push(`'${store}' is in task ${taskId}, and now runs in sub-topology ${elsewhere}`);
      else if (after === undefined) dropped.set(store, before);
      else if (after !== before) changed.push(`'${store}' (task ${taskId}) holds the state of a ${before}, and is now the store of a ${after}`);
    }
  }
  if (changed.length > 0) {
    throw new Error(
      `the state of '${topology.applicationId}' does not fit its topology any more: ${[...new Set(changed)].join('; ')}. ` +
        'Unnamed operators are named by kind in the order they are declared (windowAggregate-1, windowAggregate-2…), so one declared before another ' +
        "takes the other's name and store. Give every stateful operator a name of its own ({ name }; to keep an operator's state, the name it had: its " +
        "store is '<name>-store'); or, for an operator whose windows or aggregator changed on purpose, a new name, under which it starts empty; " +
        RESET,
    );
  }
  if (moved.length > 0) {
    throw new Error(
      `the state of '${topology.applicationId}' is laid out for another topology: ${[...new Set(moved)].join('; ')}. ` +
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
