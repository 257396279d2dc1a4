import type { Key, StreamRecord } from '../runtime/record';
import { inMemoryStores } from '../state/in-memory-stores';
import { storeNameOf } from '../topology/topology';
import type { WindowAggregateNode } from '../topology/nodes';
import { jsonCodec, type StateCodec } from '../util/json';
import { assignWindows } from '../windows/assign';
import type { WindowResult } from '../windows/window';
import { derivedOrigin, type Operator, type OperatorContext } from './operator';

/**
 * Aggregates fixed (tumbling, hopping) windows per key.
 *
 * The lateness rule lives here: a record is late for a window iff the window's end is at or before
 * the watermark of the record's own input partition just before the record
 * (`end <= record.origin.watermark`, i.e. `end + delay <= stream time`). A window closes when the
 * task's watermark reaches its end; by then every record that could still reach it is late, so
 * closing never drops a record the rule would have counted.
 */
export function windowAggregateOperator(node: WindowAggregateNode, ctx: OperatorContext): Operator {
  const { windows, aggregator: agg, emit } = node;
  const { size } = windows;
  const codec = (agg.codec ?? jsonCodec) as StateCodec<unknown>;
  const store = ctx.register((node.store ?? inMemoryStores).window<Key, unknown>(storeNameOf(node), codec));
  /** Windows and keys changed since the last emission (update mode). */
  const changed = new Map<number, Set<Key>>();
  const starts: number[] = [];

  const result = (start: number, key: Key, acc: unknown): StreamRecord => {
    const value: WindowResult<Key, unknown> = { key, windowStart: start, windowEnd: start + size, value: agg.result(acc) };
    return { key, value, timestamp: start, origin: derivedOrigin(ctx.partition, ctx.watermark()) };
  };

  const emitChanged = (start: number, keys: Set<Key>) => {
    for (const key of keys) {
      const acc = store.get(start, key);
      if (acc !== undefined) ctx.forward(result(start, key, acc));
    }
  };

  return {
    process(record) {
      const n = assignWindows(windows, record.timestamp, starts);
      const { key, value } = record;
      const watermark = record.origin.watermark;
      let late = false;
      for (let i = 0; i < n; i++) {
        const start = starts[i]!;
        if (start + size <= watermark) {
          late = true;
          continue;
        }
        const before = store.get(start, key);
        store.put(start, key, agg.add(before === undefined ? agg.init() : before, value));
        if (emit === 'update') {
          let keys = changed.get(start);
          if (keys === undefined) changed.set(start, (keys = new Set()));
          keys.add(key);
        }
      }
      if (late) {
        ctx.countLate();
        ctx.forwardLate(record);
      }
    },

    advanceWatermark(watermark) {
      for (;;) {
        const start = store.windowStarts()[0];
        if (start === undefined || start + size > watermark) return;
        if (emit === 'final') {
          for (const [key, acc] of store.window(start) ?? []) ctx.forward(result(start, key, acc));
        } else {
          const keys = changed.get(start);
          if (keys) emitChanged(start, keys);
          changed.delete(start);
        }
        store.dropWindow(start);
      }
    },

    beforeCommit() {
      if (emit !== 'update') return;
      const ordered = [...changed.keys()].sort((a, b) => a - b);
      for (const start of ordered) emitChanged(start, changed.get(start)!);
      changed.clear();
    },
  };
}
