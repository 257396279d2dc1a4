import type { Key } from '../runtime/record';
import type { KeyValueStore } from '../state/state-store';
import { Heap } from '../util/heap';
import type { Timer } from './keyed-processor';

/** The timers of one key, by name, as the store keeps them. */
export type KeyTimersEntry = Record<string, { time: number; type: Timer['type'] }>;

interface Entry {
  readonly time: number;
  readonly key: Key;
  readonly name: string;
}

/** A total order on keys (null < numbers < strings), so timers of equal time fire in the same order on every run. */
function compareKeys(a: Key, b: Key): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  if (typeof a !== typeof b) return typeof a === 'number' ? -1 : 1;
  return a < b ? -1 : 1;
}

const before = (a: Entry, b: Entry) => {
  if (a.time !== b.time) return a.time < b.time;
  const byKey = compareKeys(a.key, b.key);
  return byKey !== 0 ? byKey < 0 : a.name < b.name;
};

/**
 * Named per-key timers. The store holds the truth, one entry per key with all its timers, and is
 * checkpointed with the task; two heaps index it by time. A timer moved *later* (a session's
 * timeout pushed back by each event, the common case) keeps its heap entry: when that entry
 * surfaces, the timer is found to be later and the entry goes back in at its new time. So the heaps
 * hold about one entry per timer, not one per `set`. Moving a timer earlier adds an entry; a
 * cancelled or moved timer's old entry is skipped when it surfaces.
 */
export class TimerQueue {
  private readonly heaps = { 'event-time': new Heap<Entry>(before), 'processing-time': new Heap<Entry>(before) };
  private indexed = false;

  constructor(private readonly store: KeyValueStore<Key, KeyTimersEntry>) {}

  get(key: Key, name: string): Timer | undefined {
    const t = this.store.get(key)?.[name];
    return t === undefined ? undefined : { name, time: t.time, type: t.type };
  }

  set(key: Key, timer: Timer): void {
    this.index();
    let timers = this.store.get(key);
    if (timers === undefined) timers = {};
    const previous = timers[timer.name];
    // Updated in place: this runs for every event of a session, and the store only needs `put`.
    const postponed = previous !== undefined && previous.type === timer.type && previous.time <= timer.time;
    if (previous !== undefined) {
      previous.time = timer.time;
      previous.type = timer.type;
    } else {
      timers[timer.name] = { time: timer.time, type: timer.type };
    }
    this.store.put(key, timers);
    // The earlier entry of a timer moved later will find it when it surfaces.
    if (!postponed) this.heaps[timer.type].push({ time: timer.time, key, name: timer.name });
  }

  cancel(key: Key, name: string): void {
    const timers = this.store.get(key);
    if (timers?.[name] === undefined) return;
    delete timers[name];
    let empty = true;
    for (const _ in timers) {
      empty = false;
      break;
    }
    if (empty) this.store.delete(key);
    else this.store.put(key, timers);
  }

  /** Fires, in (time, key, name) order, every timer of `type` due at `now`, including ones set while firing. */
  fireDue(type: Timer['type'], now: number, fire: (key: Key, timer: Timer) => void): void {
    this.index();
    const heap = this.heaps[type];
    for (let next = heap.peek(); next !== undefined && next.time <= now; next = heap.peek()) {
      heap.pop();
      const timer = this.store.get(next.key)?.[next.name];
      if (timer === undefined || timer.type !== type) continue; // cancelled
      if (timer.time > next.time) {
        heap.push({ time: timer.time, key: next.key, name: next.name }); // moved later: wait for its time
        continue;
      }
      if (timer.time < next.time) continue; // moved earlier: fired (or will fire) from its own entry
      this.cancel(next.key, next.name);
      fire(next.key, { name: next.name, time: timer.time, type });
    }
  }

  /** Rebuilds the heaps from a restored store, once. */
  private index(): void {
    if (this.indexed) return;
    this.indexed = true;
    for (const [key, timers] of this.store.entries()) {
      for (const [name, t] of Object.entries(timers)) this.heaps[t.type].push({ time: t.time, key, name });
    }
  }
}
