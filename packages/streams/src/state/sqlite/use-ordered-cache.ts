/** What the cache needs of an entry: when it last moved to the recent end. */
export interface UseOrdered {
  touched: number;
}

/**
 * The SQLite stores' in-memory keys, in approximate order of use, least recent first: what they
 * evict from. A Map keeps insertion order, so moving an entry to the recent end takes a delete and
 * a set; doing that on every use cost the sessions' two stores ~4 % of the engine's thread in a
 * profile of the reference pipeline. Here a used entry moves only if it last moved at least half
 * the capacity's uses ago. That is safe: an entry reaches the least recent end only after
 * capacity - 1 uses since it last moved (each use adds at most one entry, so evicts at most one),
 * and any use in that time past the first half moves it again. With a capacity of 3 or less every
 * use moves its entry, as exact LRU does.
 */
export class UseOrderedCache<K, V extends UseOrdered> {
  private readonly map = new Map<K, V>();
  private uses = 0;
  private readonly moveAfter: number;

  constructor(readonly capacity: number) {
    this.moveAfter = Math.floor(capacity / 2);
  }

  get size(): number {
    return this.map.size;
  }

  /** The entry of `key`, if cached, counted as a use. */
  use(key: K): V | undefined {
    const entry = this.map.get(key);
    const now = ++this.uses;
    if (entry !== undefined && now - entry.touched >= this.moveAfter) {
      this.map.delete(key);
      this.map.set(key, entry);
      entry.touched = now;
    }
    return entry;
  }

  /** The entry of `key`, if cached, without counting a use. */
  peek(key: K): V | undefined {
    return this.map.get(key);
  }

  /** Adds a key that is not cached, at the recent end; returns the least recent entry when that takes the cache over its capacity, removed. */
  add(key: K, entry: V): [K, V] | undefined {
    entry.touched = this.uses;
    this.map.set(key, entry);
    if (this.map.size <= this.capacity) return undefined;
    const oldest = this.map.entries().next().value as [K, V];
    this.map.delete(oldest[0]);
    return oldest;
  }

  values(): IterableIterator<V> {
    return this.map.values();
  }

  [Symbol.iterator](): IterableIterator<[K, V]> {
    return this.map.entries();
  }

  clear(): void {
    this.map.clear();
  }
}
