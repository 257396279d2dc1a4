import { murmur3 } from '../util/murmur3';

/**
 * HyperLogLog registers (Flajolet et al. 2007) read with Otmar Ertl's improved raw estimator ("New
 * cardinality estimation algorithms for HyperLogLog sketches", 2017, arXiv:1702.01284): one formula
 * over the whole range, with no switch between estimators and no empirical bias tables. The relative
 * standard error is about 1.04 / sqrt(2^precision): 0.8 % at precision 14 (rms error measured at
 * 0.6 to 0.96 % over 30 sets at each size from a thousand to four billion, mean error within 0.5 %:
 * test/aggregations/hyperloglog-accuracy.test.ts), 3.25 % at 10. 2^precision one-byte registers:
 * precision 14 takes 16 KiB. Only the estimate changed, not the registers: sketches saved in state
 * before it are read with it as they are.
 */
export class HyperLogLog {
  readonly registers: Uint8Array;

  constructor(
    readonly precision: number,
    registers?: Uint8Array,
  ) {
    if (!Number.isInteger(precision) || precision < 4 || precision > 16) {
      throw new RangeError(`HyperLogLog precision must be an integer from 4 to 16, got ${precision}`);
    }
    this.registers = registers ?? new Uint8Array(1 << precision);
  }

  add(value: string | number): this {
    const hash = murmur3(typeof value === 'string' ? value : `#${value}`);
    const index = hash >>> (32 - this.precision);
    // Rank: position of the first 1 bit in the remaining q = 32 - precision bits, or q + 1 when they
    // are all zero (a register saturates at q + 1; the estimator accounts for that, see tau).
    const rest = (hash << this.precision) >>> 0;
    const rank = rest === 0 ? 33 - this.precision : Math.clz32(rest) + 1;
    if (rank > this.registers[index]!) this.registers[index] = rank;
    return this;
  }

  merge(other: HyperLogLog): this {
    if (other.precision !== this.precision) throw new RangeError('cannot merge HyperLogLogs of different precision');
    const r = this.registers;
    const o = other.registers;
    for (let i = 0; i < r.length; i++) if (o[i]! > r[i]!) r[i] = o[i]!;
    return this;
  }

  /**
   * Ertl's improved raw estimator (arXiv:1702.01284): from the histogram C[k] of the
   * register values k = 0 .. q + 1, where q = 32 - precision,
   *
   *   n = alpha_inf * m^2 / (m * sigma(C[0] / m) + sum_{k=1..q} C[k] * 2^-k + m * tau(1 - C[q+1] / m) * 2^-q)
   *
   * with alpha_inf = 1 / (2 ln 2). sigma replaces the terms of the empty registers and removes the
   * small-range bias that linear counting used to patch (it comes to linear counting when most
   * registers are empty); tau does the same for the registers that saturated at q + 1, which a 32-bit
   * hash reaches at large cardinalities. The old large-range correction, -2^32 ln(1 - E / 2^32), is
   * not needed any more and not applied: it assumed the raw estimate counts distinct hash values,
   * and overestimated (+12 % at a billion, +72 % at four billion, NaN from about six billion),
   * whereas tau models the saturated registers: at precision 14 the estimate stays unbiased up to
   * 2e10 (its error growing past 2^32 as most registers saturate: 1 % at 1e10, 2 % at 2e10), and is
   * Infinity once every register is saturated (from about 5e10; sooner with fewer registers).
   *
   * alpha_inf is the limit for many registers: at the smallest precisions it leaves a bias, measured
   * at about +7 % at precision 4 (standard error 26 %), +1.7 % at 6, +0.4 % at 8 and none measurable
   * from 10 up.
   */
  estimate(): number {
    const m = this.registers.length;
    const q = 32 - this.precision;
    const histogram = new Uint32Array(q + 2);
    // A register above q + 1 cannot come from add(); clamp one read from damaged state to the maximum.
    for (let i = 0; i < m; i++) histogram[Math.min(this.registers[i]!, q + 1)]!++;
    if (histogram[0] === m) return 0;
    // Horner's scheme from the top: z = tau-term * 2^-q + sum C[k] 2^-k.
    let z = m * tau(1 - histogram[q + 1]! / m);
    for (let k = q; k >= 1; k--) z = 0.5 * (z + histogram[k]!);
    z += m * sigma(histogram[0]! / m);
    // Every register saturated: the sketch only says "more than it can tell"; z is then 0.
    if (z === 0) return Number.POSITIVE_INFINITY;
    return Math.round((ALPHA_INF * m * m) / z);
  }
}

const ALPHA_INF = 1 / (2 * Math.LN2);

/** sigma(x) = x + sum_{k>=1} x^(2^k) 2^(k-1), for 0 <= x < 1 (infinite at x = 1: no register set). */
function sigma(x: number): number {
  if (x === 1) return Number.POSITIVE_INFINITY;
  let power = x;
  let weight = 1;
  let sum = x;
  for (;;) {
    power *= power;
    const next = sum + power * weight;
    if (next === sum) return sum;
    sum = next;
    weight *= 2;
  }
}

/** tau(x) = (1 - x - sum_{k>=1} (1 - x^(2^-k))^2 2^-k) / 3, for 0 <= x <= 1 (0 at both ends). */
function tau(x: number): number {
  if (x === 0 || x === 1) return 0;
  let root = x;
  let weight = 1;
  let sum = 1 - x;
  for (;;) {
    root = Math.sqrt(root);
    weight *= 0.5;
    const next = sum - (1 - root) ** 2 * weight;
    if (next === sum) return sum / 3;
    sum = next;
  }
}
