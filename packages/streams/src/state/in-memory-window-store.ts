import { isEntriesCodec, type Json, type StateCodec } from '../util/json';
import type { WindowStore } from './state-store';

/**
 * Fixed-window state: one Map per open window, windows kept in start order so closing the oldest
 * is cheap. Persisted entries are keyed `[windowStart, key]`.
 */
export class InMemoryWindowStore<K, A> implements WindowStore<K, A> {
  private readonly windows = new Map<number, Map<K, A>>();
  private starts: number[] = [];
  private readonly dirty = new Map<number, Set<K>>();
  /** Saved entries of dropped windows, deleted at the next checkpoint: `[key]` or `[key, part]`. */
  private readonly droppedParts = new Map<number, unknown[][]>();
  private entryCount = 0;

  constructor(
    readonly name: string,
    private readonly codec: StateCodec<A>,
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
    this.dirty.delete(windowStart);
    // Everything saved of the window becomes a deletion at the next checkpoint.
    const codec = this.codec;
    // Added to what an earlier drop of the same window in this commit left, if it opened again since.
    const deleted = this.droppedParts.get(windowStart) ?? [];
    for (const [key, acc] of window) {
      if (isEntriesCodec(codec)) for (const [part] of codec.entries(acc)) deleted.push([key, part]);
      else deleted.push([key]);
    }
    this.droppedParts.set(windowStart, deleted);
  }

  takeChanges(): Map<string, Json | null> {
    const changes = new Map<string, Json | null>();
    const codec = this.codec;
    // Deletions of dropped windows first: a window opened again since (same start) writes its new
    // entries over them, or the saved state would lose it.
    for (const [start, parts] of this.droppedParts) for (const part of parts) changes.set(JSON.stringify([start, ...part]), null);
    this.droppedParts.clear();
    for (const [start, keys] of this.dirty) {
      const window = this.windows.get(start);
      for (const key of keys) {
        const acc = window?.get(key);
        if (!isEntriesCodec(codec)) {
          changes.set(JSON.stringify([start, key]), acc === undefined ? null : codec.encode(acc));
        } else if (acc !== undefined) {
          for (const [part, value] of codec.takeChanges(acc)) changes.set(JSON.stringify([start, key, part]), value);
        }
      }
    }
    this.dirty.clear();
    return changes;
  }

  *encodedEntries(): Generator<readonly [string, Json]> {
    const codec = this.codec;
    for (const start of this.starts) {
      for (const [key, acc] of this.windows.get(start)!) {
        if (!isEntriesCodec(codec)) yield [JSON.stringify([start, key]), codec.encode(acc)];
        else for (const [part, value] of codec.entries(acc)) yield [JSON.stringify([start, key, part]), value];
      }
    }
  }

  restore(entries: Iterable<readonly [string, Json]>): void {
    const codec = this.codec;
    if (!isEntriesCodec(codec)) {
      for (const [entryKey, value] of entries) {
        const [start, key] = JSON.parse(entryKey) as [number, K];
        this.set(start, key, codec.decode(value));
      }
      return;
    }
    // Entries of one accumulator are `[start, key, part]`: gather them, then rebuild each.
    const parts = new Map<string, { start: number; key: K; entries: Array<[string, Json]> }>();
    for (const [entryKey, value] of entries) {
      const [start, key, part] = JSON.parse(entryKey) as [number, K, string];
      const id = JSON.stringify([start, key]);
      let group = parts.get(id);
      if (group === undefined) parts.set(id, (group = { start, key, entries: [] }));
      group.entries.push([part, value]);
    }
    for (const { start, key, entries: acc } of parts.values()) this.set(start, key, codec.fromEntries(acc));
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
