import type { Json } from '../util/json';
import type { MergeableAggregator } from './aggregator';
import { HyperLogLog } from './hyperloglog';

/**
 * An approximate distinct count in bounded memory (HyperLogLog): 2^precision bytes per window
 * whatever the number of distinct values. Precision 14 (the default): 16 KiB, ~0.8 % standard error.
 * @example events.window(hopping({ size: '5m', advance: '1m' })).aggregate(approxCountDistinct((e) => e.user_id))
 */
export function approxCountDistinct<V>(
  selector: (value: V) => string | number,
  options: { precision?: number } = {},
): MergeableAggregator<V, HyperLogLog, number> {
  const precision = options.precision ?? 14;
  new HyperLogLog(precision); // validates the precision now, not at the first record
  return Object.freeze({
    // The precision in the name: it decides what a stored sketch means (a restore checks the name).
    name: `approxCountDistinct(precision ${precision})`,
    init: () => new HyperLogLog(precision),
    add: (hll: HyperLogLog, value: V) => hll.add(selector(value)),
    merge: (a: HyperLogLog, b: HyperLogLog) => a.merge(b),
    result: (hll: HyperLogLog) => hll.estimate(),
    codec: {
      encode: (hll: HyperLogLog): Json => Buffer.from(hll.registers).toString('base64'),
      decode: (json: Json) => {
        const registers = new Uint8Array(Buffer.from(json as string, 'base64'));
        if (registers.length !== 2 ** precision) {
          throw new Error(`approxCountDistinct: a stored sketch has ${registers.length} registers, which precision ${precision} does not read (it needs ${2 ** precision})`);
        }
        return new HyperLogLog(precision, registers);
      },
    },
  });
}
