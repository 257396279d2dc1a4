import { createRandom, mulberry32 } from '../src/random';

describe('mulberry32', () => {
  it('gives the reference sequence for a seed', () => {
    expect(mulberry32(42)()).toBe(0.6011037519201636);
  });

  it('repeats with the same seed and differs with another', () => {
    const a = mulberry32(7);
    const b = mulberry32(7);
    const c = mulberry32(8);
    const seqA = Array.from({ length: 100 }, a);
    expect(Array.from({ length: 100 }, b)).toEqual(seqA);
    expect(Array.from({ length: 100 }, c)).not.toEqual(seqA);
  });

  it('stays in [0, 1) and is roughly uniform', () => {
    const next = mulberry32(123);
    const buckets = new Array<number>(10).fill(0);
    for (let i = 0; i < 100_000; i++) {
      const x = next();
      expect(x >= 0 && x < 1).toBe(true);
      buckets[Math.floor(x * 10)]!++;
    }
    for (const n of buckets) expect(Math.abs(n - 10_000)).toBeLessThan(500);
  });
});

describe('createRandom', () => {
  it('draws integers in range, both ends reachable', () => {
    const random = createRandom(1);
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i++) {
      const die = random.between(1, 6);
      expect(Number.isInteger(die) && die >= 1 && die <= 6).toBe(true);
      seen.add(die);
    }
    expect([...seen].sort()).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('chance(p) comes true about p of the time', () => {
    const random = createRandom(2);
    let hits = 0;
    for (let i = 0; i < 20_000; i++) if (random.chance(0.3)) hits++;
    expect(hits / 20_000).toBeCloseTo(0.3, 1);
  });
});
