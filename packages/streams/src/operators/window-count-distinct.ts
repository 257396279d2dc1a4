import { isDistinctCounter, type DistinctCounter } from '../aggregations/count-distinct';
import type { Key } from '../runtime/record';
import { DistinctWindowsStore } from '../state/distinct-windows-store';
import { storeNameOf } from '../topology/topology';
import type { WindowAggregateNode } from '../topology/nodes';
import { assignWindows } from '../windows/assign';
import type { FixedWindows } from '../windows/window';
import type { Operator, OperatorContext } from './operator';
import { windowEmission } from './window-emission';

/**
 * Beyond this many windows a record, a value's windows may not fit one 30-bit mask (the open
 * windows span a record's windows plus the watermark delay): the generic operator runs instead.
 */
const MAX_WINDOWS_PER_RECORD = 16;

/** Whether {@link windowCountDistinctOperator} runs these windows. */
function fitsDistinctMasks(windows: FixedWindows): boolean {
  return Math.ceil(windows.size / windows.advance) <= MAX_WINDOWS_PER_RECORD;
}

/**
 * Whether `node` runs as {@link windowCountDistinctOperator}: a `countDistinct` over windows that
 * fit, unless the user gave stores of their own. Its store holds values, not one set per window.
 */
export function keepsDistinctValues(node: WindowAggregateNode): boolean {
  return isDistinctCounter(node.aggregator) && node.store === undefined && fitsDistinctMasks(node.windows);
}

/**
 * `countDistinct` over fixed (tumbling, hopping) windows, each distinct value kept once per key
 * with the windows it is counted in (see {@link DistinctWindowsStore}) rather than once per window.
 * The counts per window are derived from it (and rebuilt after a restore). Results, emission and
 * lateness are those of the generic window operator (`window-aggregate.ts`), with one difference:
 * a record for a window that already closed (possible only when an idle partition wakes up behind
 * the others) counts as late instead of reopening the window with a partial count. (After a
 * restore, a window's keys are emitted in the store's order rather than their order of arrival;
 * each key's result is the same.)
 */
export function windowCountDistinctOperator(node: WindowAggregateNode, ctx: OperatorContext): Operator {
  const { windows, emit } = node;
  const distinctOf = (node.aggregator as DistinctCounter<unknown>).distinctOf;
  const { size, advance } = windows;
  const store = ctx.register(new DistinctWindowsStore(storeNameOf(node)));
  /** Distinct values per open window (by start) and key: the results. */
  const counts = new Map<number, Map<Key, number>>();
  const openStarts: number[] = [];
  let indexed = false;
  const starts: number[] = [];
  const added: number[] = [];

  const windowCounts = (start: number): Map<Key, number> => {
    let window = counts.get(start);
    if (window === undefined) {
      counts.set(start, (window = new Map()));
      const last = openStarts[openStarts.length - 1];
      openStarts.push(start);
      if (last !== undefined && start < last) openStarts.sort((a, b) => a - b);
    }
    return window;
  };

  /** After a restore, the counts are rebuilt from the store, once. */
  const index = () => {
    if (indexed) return;
    indexed = true;
    for (const [key, , numbers] of store.all()) {
      for (const n of numbers) {
        const window = windowCounts(n * advance);
        window.set(key, (window.get(key) ?? 0) + 1);
      }
    }
  };

  const emission = windowEmission(ctx, size, emit, (start, key) => counts.get(start)?.get(key));

  return {
    process(record) {
      index();
      const n = assignWindows(windows, record.timestamp, starts);
      const { key } = record;
      const watermark = record.origin.watermark;
      const floor = store.floor;
      const value = distinctOf(record.value);
      const membership = store.membership(key, value);
      let late = false;
      let newWindows = 0;
      for (let i = 0; i < n; i++) {
        const start = starts[i]!;
        const number = start / advance;
        if (start + size <= watermark || number < floor) {
          late = true;
          continue;
        }
        const window = windowCounts(start);
        if (!store.counts(membership, number)) {
          window.set(key, (window.get(key) ?? 0) + 1);
          added[newWindows++] = number;
        }
        emission.touched(start, key);
      }
      store.add(key, value, membership, added, newWindows);
      if (late) {
        ctx.countLate();
        ctx.forwardLate(record);
      }
    },

    advanceWatermark(watermark) {
      index();
      for (;;) {
        const start = openStarts[0];
        if (start === undefined || start + size > watermark) break;
        emission.close(start, counts.get(start)!);
        counts.delete(start);
        openStarts.shift();
      }
      // The first window still open at this watermark: every window before it is closed.
      if (watermark === -Infinity) return;
      const firstOpen = Math.floor((watermark - size) / advance) + 1;
      if (firstOpen > store.floor) store.evictBelow(firstOpen);
    },

    beforeCommit() {
      index();
      emission.beforeCommit();
    },
  };
}
