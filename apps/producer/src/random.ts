/**
 * A small seeded pseudo-random generator: the same seed gives the same stream of numbers on every
 * machine and Node version (Math.random cannot be seeded). Not for anything security related.
 */
export interface Random {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [0, n). */
  int(n: number): number;
  /** An integer in [min, max], both included. */
  between(min: number, max: number): number;
  /** True with probability `p`. */
  chance(p: number): boolean;
  /** One element of a non-empty array, uniformly. */
  pick<T>(items: readonly T[]): T;
}

/**
 * mulberry32 (Tommy Ettinger): 32 bits of state, one multiply-xorshift round per number. Fast,
 * passes gjrand/PractRand well enough for a simulation, and short enough to audit.
 * @example const next = mulberry32(42); next(); // 0.6011037519201636
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A {@link Random} over mulberry32.
 * @example const random = createRandom(7); random.between(1, 6); // a die roll, the same one every run
 */
export function createRandom(seed: number): Random {
  const next = mulberry32(seed);
  const int = (n: number): number => Math.floor(next() * n);
  return {
    next,
    int,
    between: (min, max) => min + int(max - min + 1),
    chance: (p) => next() < p,
    pick: <T>(items: readonly T[]): T => items[int(items.length)] as T,
  };
}

/**
 * A seed for an independent stream derived from `seed` (e.g. the malformed records), so drawing from
 * one stream never shifts another.
 */
export function deriveSeed(seed: number, stream: number): number {
  return mulberry32((seed ^ Math.imul(stream + 1, 0x9e3779b9)) >>> 0)() * 4294967296;
}
