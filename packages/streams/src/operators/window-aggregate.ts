import type { Key } from '../runtime/record';
import { inMemoryStores } from '../state/in-memory-stores';
import { storeNameOf } from '../topology/topology';
import type { WindowAggregateNode } from '../topology/nodes';
import { jsonCodec, type StateCodec } from '../util/json';
import { assignWindows } from '../windows/assign';
import type { Operator, OperatorContext } from './operator';
import { windowEmission } from './window-emission';

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
  const emission = windowEmission(ctx, size, emit, (start, key) => {
    const acc = store.get(start, key);
    return acc === undefined ? undefined : agg.result(acc);
  });
  const starts: number[] = [];

  function* results(start: number): Generator<readonly [Key, unknown]> {
    for (const [key, acc] of store.window(start) ?? []) yield [key, agg.result(acc)];
  }

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
        emission.touched(start, key);
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
        emission.close(start, results(start));
        store.dropWindow(start);
      }
    },

    beforeCommit: emission.beforeCommit,
  };
}
