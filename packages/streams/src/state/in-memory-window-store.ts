import { type Codec, type Json } from '../util/json';
import type { WindowStore } from './state-store';

/**
 * Fixed-window state: one Map per open window, windows kept in start order so closing the oldest
 * is cheap. Persisted entries are keyed `[windowStart, key]`.
 */
export class InMemoryWindowStore<K, A> implements WindowStore<K, A> {
  private readonly windows = new Map<number, Map<K, A>>();
  private starts: number[] = [];
  private readonly dirty = new Map<number, Set<K>>();
  private entryCount = 0;

  constructor(
    readonly name: string,
    private readonly codec: Codec<A>,
  ) {}

  get size(): number {
    return this.entryCount;
  }

  get(windowStart: number, key: K): A | undefined {
    return this.windows.get(windowStart)?.get(key);
  }

  put(windowStart: number, key: K, accumulator: A): void {
    this.set(windowStart, key, accumulator);
    let dirty = this.dirty.get(windowStart);
    if (dirty === undefined) this.dirty.set(windowStart, (dirty = new Set()));
    dirty.add(key);
  }

  window(windowStart: number): ReadonlyMap<K, A> | undefined {
    return this.windows.get(windowStart);
  }

  windowStarts(): readonly number[] {
    return this.starts;
  }

  dropWindow(windowStart: number): void {
    const window = this.windows.get(windowStart);
    if (window === undefined) return;
    this.entryCount -= window.size;
    this.windows.delete(windowStart);
    this.starts = this.starts.filter((s) => s !== windowStart);
    // Every key of the window becomes a deletion at the next checkpoint.
    let dirty = this.dirty.get(windowStart);
    if (dirty === undefined) this.dirty.set(windowStart, (dirty = new Set()));
    for (const key of window.keys()) dirty.add(key);
  }

  takeChanges(): Map<string, Json | null> {
    const changes = new Map<string, Json | null>();
    for (const [start, keys] of this.dirty) {
      const window = this.windows.get(start);
      for (const key of keys) {
        const acc = window?.get(key);
        changes.set(JSON.stringify([start, key]), acc === undefined ? null : this.codec.encode(acc));
      }
    }
    this.dirty.clear();
    return changes;
  }

  restore(entries: Iterable<readonly [string, Json]>): void {
    for (const [entryKey, value] of entries) {
      const [start, key] = JSON.parse(entryKey) as [number, K];
      this.set(start, key, this.codec.decode(value));
    }
  }

  private set(windowStart: number, key: K, accumulator: A): void {
    let window = this.windows.get(windowStart);
    if (window === undefined) {
      window = new Map();
      this.windows.set(windowStart, window);
      this.insertStart(windowStart);
    }
    if (!window.has(key)) this.entryCount++;
    window.set(key, accumulator);
  }

  private insertStart(start: number): void {
    // Windows almost always open in time order: append, and sort only when one opens out of order.
    const last = this.starts[this.starts.length - 1];
    this.starts.push(start);
    if (last !== undefined && start < last) this.starts.sort((a, b) => a - b);
  }
}
