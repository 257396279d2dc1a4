import { formatDuration } from '../time/duration';
import type { StatefulNode } from './nodes';
import { storeNameOf, timerStoreNameOf } from './topology';

/**
 * What each store of a stateful node holds, as far as it decides how stored entries read: the
 * operator's kind, its fixed windows' size and advance (the windows' starts are the entries'
 * keys) and its aggregator (the accumulators' form). What only changes results from here on (the
 * emit mode, a session gap, the watermark, the store's kind) is left out: state carries over it.
 * Kept in every task's checkpoint, and compared at restore (checkStoreShapes).
 * @example storeShapesOf(node) // { 'page-view-counts-store': 'windowAggregate tumbling 1m, count' }
 */
export function storeShapesOf(node: StatefulNode): Record<string, string> {
  switch (node.kind) {
    case 'windowAggregate': {
      const w = node.windows;
      const windows = w.kind === 'tumbling' ? `tumbling ${formatDuration(w.size)}` : `hopping ${formatDuration(w.size)} every ${formatDuration(w.advance)}`;
      return { [storeNameOf(node)]: `windowAggregate ${windows}, ${node.aggregator.name}` };
    }
    case 'sessionAggregate':
      return { [storeNameOf(node)]: `sessionAggregate, ${node.aggregator.name}` };
    case 'process':
      return { [storeNameOf(node)]: 'process state', [timerStoreNameOf(node)]: 'process timers' };
  }
}
