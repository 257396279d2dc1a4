import { UseOrderedCache } from '../../src/state/sqlite/use-ordered-cache';

const entry = () => ({ touched: 0 });

/** Uses `key` as a store does: the cached entry, or a new one added (and what that evicts). */
function touch<K>(cache: UseOrderedCache<K, { touched: number }>, key: K): K | undefined {
  if (cache.use(key) !== undefined) return undefined;
  return cache.add(key, entry())?.[0];
}

describe('UseOrderedCache', () => {
  it('with a capacity of 3 or less, evicts exactly the least recently used key', () => {
    const cache = new UseOrderedCache<number, { touched: number }>(3);
    for (const k of [1, 2, 3]) expect(touch(cache, k)).toBeUndefined();
    touch(cache, 1); // order of use now 2, 3, 1
    expect(touch(cache, 4)).toBe(2);
    touch(cache, 3); // 1, 4, 3
    expect(touch(cache, 5)).toBe(1);
    expect(cache.size).toBe(3);
  });

  it('never evicts a key used within the last half capacity of uses, and holds at most its capacity', () => {
    // A seeded walk over more keys than fit, with hot and cold keys: every eviction is checked
    // against the last use of the evicted key.
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (const capacity of [4, 10, 64]) {
      const cache = new UseOrderedCache<number, { touched: number }>(capacity);
      const lastUse = new Map<number, number>();
      let evictions = 0;
      for (let use = 1; use <= 20_000; use++) {
        const key = random() < 0.7 ? Math.floor(random() * capacity * 0.5) : Math.floor(random() * capacity * 4);
        const evicted = touch(cache, key);
        lastUse.set(key, use);
        if (evicted !== undefined) {
          evictions++;
          expect(evicted).not.toBe(key);
          expect(use - lastUse.get(evicted)!).toBeGreaterThanOrEqual(Math.floor(capacity / 2));
        }
        expect(cache.size).toBeLessThanOrEqual(capacity);
      }
      expect(evictions).toBeGreaterThan(1_000);
    }
  });

  it('moves a hot key rarely: peek and iteration see every key', () => {
    const cache = new UseOrderedCache<string, { touched: number }>(100);
    for (let i = 0; i < 100; i++) touch(cache, `k${i}`);
    // k0 is the oldest; used now (100 uses after it was added), it moves to the recent end.
    cache.use('k0');
    expect([...cache][99]![0]).toBe('k0');
    // k5 moves too; k0, used again at once, does not: exact LRU would end in k5, k0.
    cache.use('k5');
    cache.use('k0');
    expect([...cache].slice(-2).map(([k]) => k)).toEqual(['k0', 'k5']);
    expect(touch(cache, 'new')).toBe('k1');
    expect(cache.peek('k0')).toBeDefined();
    expect([...cache.values()]).toHaveLength(100);
  });
});
