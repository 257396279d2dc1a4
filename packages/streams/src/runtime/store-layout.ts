import type { StoreLayout } from '../state/backends/state-backend';
import { formatDuration } from '../time/duration';
import type { StatefulNode } from '../topology/nodes';
import { isStateful } from '../topology/nodes';
import { storeNameOf, timerStoreNameOf, type Topology } from '../topology/topology';
import { keepsDistinctValues } from '../operators/window-count-distinct';
import type { FixedWindows } from '../windows/window';

const layouts = new WeakMap<Topology, StoreLayout>();

/**
 * Every store of `topology`: the sub-topology it runs in and what its entries are, as far as that
 * decides how they read: the operator that the runtime builds for the node (a `countDistinct`
 * keeps values, not sets, where it can), its fixed windows (the windows' starts are the entries'
 * keys), its aggregator (the accumulators' form). What only changes results from here on (the
 * emit mode, a session gap, the watermark, the kind of store of a generic operator) is left out:
 * state carries over it. Kept in every checkpoint; checked at restore (checkStoreLayout).
 * @example storeLayoutOf(topology) // { 'page-view-counts-store': [1, 'windowAggregate tumbling 1m, count'], … }
 */
export function storeLayoutOf(topology: Topology): StoreLayout {
  let layout = layouts.get(topology);
  if (layout === undefined) {
    const entries = topology.subtopologies.flatMap((sub) =>
      sub.nodes.filter(isStateful).flatMap((node) => Object.entries(storeShapes(node)).map(([store, shape]) => [store, Object.freeze([sub.id, shape] as const)] as const)),
    );
    layouts.set(topology, (layout = Object.freeze(Object.fromEntries(entries))));
  }
  return layout;
}

function storeShapes(node: StatefulNode): Record<string, string> {
  switch (node.kind) {
    case 'windowAggregate':
      if (keepsDistinctValues(node)) return { [storeNameOf(node)]: `windowAggregate ${windowsText(node.windows)}, distinct values with their windows` };
      return { [storeNameOf(node)]: `windowAggregate ${windowsText(node.windows)}, ${node.aggregator.name}` };
    case 'sessionAggregate':
      return { [storeNameOf(node)]: `sessionAggregate, ${node.aggregator.name}` };
    case 'process':
      return { [storeNameOf(node)]: 'process state', [timerStoreNameOf(node)]: 'process timers' };
  }
}

/** Hopping windows that advance by their size are tumbling ones: the same windows, the same entries. */
function windowsText(w: FixedWindows): string {
  return w.kind === 'tumbling' || w.advance === w.size ? `tumbling ${formatDuration(w.size)}` : `hopping ${formatDuration(w.size)} every ${formatDuration(w.advance)}`;
}
