/** Percentiles of a set of measurements (milliseconds, here). */
export interface Distribution {
  readonly count: number;
  readonly mean: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
}

/**
 * The nearest-rank percentile of ascending `sorted` values: the smallest value such that at least
 * `p` percent of the values are at or below it. NaN for no values.
 * @example percentile([1, 2, 3, 4], 50); // 2
 */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  if (p <= 0) return sorted[0]!;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, rank) - 1]!;
}

/** p50, p95, p99 and max of `values` (which it sorts in place). */
export function distribution(values: Float64Array | number[]): Distribution {
  const sorted = values instanceof Float64Array ? values.sort() : Float64Array.from(values).sort();
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    count: sorted.length,
    mean: sorted.length > 0 ? sum / sorted.length : Number.NaN,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.length > 0 ? sorted[sorted.length - 1]! : Number.NaN,
  };
}

/** A growable list of numbers without a boxed array of a million doubles. */
export class Samples {
  private data = new Float64Array(1024);
  private n = 0;

  get length(): number {
    return this.n;
  }

  push(value: number): void {
    if (this.n === this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.n++] = value;
  }

  distribution(): Distribution {
    return distribution(this.data.slice(0, this.n));
  }
}

/** Events per second; 0 when no time passed. */
export function perSecond(count: number, ms: number): number {
  return ms > 0 ? (count * 1000) / ms : 0;
}

/** Milliseconds since `start` (a `process.hrtime.bigint()`), as a float. */
export function msSince(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/**
 * The run of median time (of an even number of runs, the faster of the two middle ones).
 * @example medianRun([{ ms: 30 }, { ms: 10 }, { ms: 20 }]) // { ms: 20 }
 */
export function medianRun<R extends { readonly ms: number }>(runs: readonly R[]): R {
  if (runs.length === 0) throw new Error('medianRun: no runs');
  const sorted = [...runs].sort((a, b) => a.ms - b.ms);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}
