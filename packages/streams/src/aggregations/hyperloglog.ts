import { murmur3 } from '../util/murmur3';

/**
 * HyperLogLog registers (Flajolet et al. 2007) with the small- and large-range corrections.
 * 2^precision one-byte registers: precision 14 takes 16 KiB and has a standard error of about 0.8 %.
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
    // Rank: position of the first 1 bit in the remaining bits (bounded so a zero tail still counts).
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

  estimate(): number {
    const m = this.registers.length;
    let sum = 0;
    let zeros = 0;
    for (let i = 0; i < m; i++) {
      const v = this.registers[i]!;
      sum += 2 ** -v;
      if (v === 0) zeros++;
    }
    const alpha = m === 16 ? 0.673 : m === 32 ? 0.697 : m === 64 ? 0.709 : 0.7213 / (1 + 1.079 / m);
    const raw = (alpha * m * m) / sum;
    if (raw <= 2.5 * m && zeros > 0) return Math.round(m * Math.log(m / zeros));
    const two32 = 2 ** 32;
    if (raw > two32 / 30) return Math.round(-two32 * Math.log(1 - raw / two32));
    return Math.round(raw);
  }
}
