import { distribution, medianRun, percentile, perSecond, Samples } from '../src/stats';

describe('percentile (nearest rank)', () => {
  const sorted = Float64Array.from({ length: 100 }, (_, i) => i + 1); // 1..100

  it('gives the smallest value with at least p % of the values at or below it', () => {
    expect(percentile(sorted, 50)).toBe(50);
    expect(percentile(sorted, 95)).toBe(95);
    expect(percentile(sorted, 99)).toBe(99);
    expect(percentile(sorted, 100)).toBe(100);
    expect(percentile(sorted, 0)).toBe(1);
  });

  it('rounds the rank up on small sets', () => {
    expect(percentile([10, 20, 30], 50)).toBe(20);
    expect(percentile([10, 20, 30], 99)).toBe(30);
    expect(percentile([7], 99)).toBe(7);
  });

  it('is NaN without values', () => {
    expect(percentile([], 50)).toBeNaN();
  });
});

describe('distribution', () => {
  it('sorts, then reports p50, p95, p99, max and mean', () => {
    const values = Array.from({ length: 1000 }, (_, i) => 1000 - i); // 1000..1, unsorted
    expect(distribution(values)).toEqual({ count: 1000, mean: 500.5, p50: 500, p95: 950, p99: 990, max: 1000 });
  });

  it('has NaN figures and a zero count without samples', () => {
    const d = distribution([]);
    expect(d.count).toBe(0);
    expect(d.p99).toBeNaN();
    expect(d.max).toBeNaN();
  });
});

describe('Samples', () => {
  it('grows past its first capacity and keeps every value', () => {
    const s = new Samples();
    for (let i = 0; i < 5000; i++) s.push(i % 100);
    expect(s.length).toBe(5000);
    expect(s.distribution()).toMatchObject({ count: 5000, p50: 49, max: 99 });
  });
});

describe('perSecond', () => {
  it('is events per second, 0 when no time passed', () => {
    expect(perSecond(1000, 250)).toBe(4000);
    expect(perSecond(1000, 0)).toBe(0);
  });
});

describe('medianRun', () => {
  it('picks the run of median time, the faster middle one of an even number, and keeps the run itself', () => {
    const runs = [{ ms: 30, id: 'a' }, { ms: 10, id: 'b' }, { ms: 20, id: 'c' }];
    expect(medianRun(runs).id).toBe('c');
    expect(medianRun([...runs, { ms: 40, id: 'd' }]).id).toBe('c');
    expect(medianRun([{ ms: 5, id: 'only' }]).id).toBe('only');
    expect(runs.map((r) => r.id)).toEqual(['a', 'b', 'c']); // not sorted in place
  });

  it('refuses no runs', () => {
    expect(() => medianRun([])).toThrow('no runs');
  });
});
