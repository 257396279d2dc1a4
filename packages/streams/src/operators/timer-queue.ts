import type { Key } from '../runtime/record';
import type { KeyValueStore } from '../state/state-store';
import { Heap } from '../util/heap';
import type { Timer } from './keyed-processor';

interface Entry {
  readonly time: number;
  /** The key, JSON-encoded: orders timers of equal time the same way on every run. */
  readonly id: string;
  readonly key: Key;
  readonly name: string;
}

const before = (a: Entry, b: Entry) =>
  a.time < b.time || (a.time === b.time && (a.id < b.id || (a.id === b.id && a.name < b.name)));

/**
 * Named per-key timers: the store holds the truth (and is checkpointed with the task); two heaps
 * index it by time. Moving or cancelling a timer leaves a stale heap entry that is skipped when it
 * surfaces, so every operation is O(log n).
 */
export class TimerQueue {
  private readonly heaps = { 'event-time': new Heap<Entry>(before), 'processing-time': new Heap<Entry>(before) };
  private indexed = false;

  constructor(private readonly store: KeyValueStore<string, Timer>) {}

  get(key: Key, name: string): Timer | undefined {
    return this.store.get(storeKey(key, name));
  }

  set(key: Key, timer: Timer): void {
    this.index();
    this.store.put(storeKey(key, timer.name), timer);
    this.heaps[timer.type].push({ time: timer.time, id: JSON.stringify(key), key, name: timer.name });
  }

  cancel(key: Key, name: string): void {
    this.store.delete(storeKey(key, name));
  }

  /** Fires, in (time, key, name) order, every timer of `type` due at `now`, including ones set while firing. */
  fireDue(type: Timer['type'], now: number, fire: (key: Key, timer: Timer) => void): void {
    this.index();
    const heap = this.heaps[type];
    for (let next = heap.peek(); next !== undefined && next.time <= now; next = heap.peek()) {
      heap.pop();
      const id = storeKey(next.key, next.name);
      const timer = this.store.get(id);
      if (timer === undefined || timer.type !== type || timer.time !== next.time) continue; // moved or cancelled
      this.store.delete(id);
      fire(next.key, timer);
    }
  }

  /** Rebuilds the heaps from a restored store, once. */
  private index(): void {
    if (this.indexed) return;
    this.indexed = true;
    for (const [id, timer] of this.store.entries()) {
      const [key] = JSON.parse(id) as [Key, string];
      this.heaps[timer.type].push({ time: timer.time, id: JSON.stringify(key), key, name: timer.name });
    }
  }
}

function storeKey(key: Key, name: string): string {
  return JSON.stringify([key, name]);
}
