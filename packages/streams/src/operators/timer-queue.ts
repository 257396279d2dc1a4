import type { Key } from '../runtime/record';
import type { KeyValueStore, TimerStore } from '../state/state-store';
import { compareKeys } from '../util/compare-keys';
import { Heap } from '../util/heap';
import type { Codec, Json } from '../util/json';
import type { Timer } from './keyed-processor';

/** The timers of one key, by name, as they are saved (the changelog's format). */
export type KeyTimersEntry = Record<string, { time: number; type: Timer['type'] }>;

/**
 * One timer of one key: a single object that is both the store's value (the truth) and the heap's
 * entry (the index), so a million sessions with a timeout cost a million of these and nothing else.
 */
interface TimerSlot {
  /** Filled in when the store is indexed after a restore (a decoded value does not know its key). */
  key: Key;
  readonly name: string;
  /** When it fires; moved later in place (a session's timeout pushed back by each event). */
  time: number;
  readonly type: Timer['type'];
  /** Its position in the heap: the time it was queued at, which never changes while it is queued. */
  queuedAt: number;
}

/** What the store holds per key: its one timer (nearly always), or a list of them. */
export type KeyTimerSlots = TimerSlot | TimerSlot[];

const slotsOf = (timers: KeyTimerSlots): readonly TimerSlot[] => (Array.isArray(timers) ? timers : [timers]);

function find(timers: KeyTimerSlots | undefined, name: string): TimerSlot | undefined {
  if (timers === undefined) return undefined;
  if (!Array.isArray(timers)) return timers.name === name ? timers : undefined;
  for (const t of timers) if (t.name === name) return t;
  return undefined;
}

/** The key's timers with `slot` replaced by `by` (or added), or removed when `by` is undefined. */
function replaced(timers: KeyTimerSlots | undefined, slot: TimerSlot | undefined, by: TimerSlot | undefined): KeyTimerSlots | undefined {
  const kept = timers === undefined ? [] : slotsOf(timers).filter((t) => t !== slot);
  if (by !== undefined) kept.push(by);
  return kept.length === 0 ? undefined : kept.length === 1 ? kept[0] : kept;
}

/** Saves a key's timers as `{ name: { time, type } }`. */
export const keyTimersCodec: Codec<KeyTimerSlots> = Object.freeze({
  encode(timers: KeyTimerSlots): Json {
    const json: KeyTimersEntry = {};
    for (const t of slotsOf(timers)) json[t.name] = { time: t.time, type: t.type };
    return json;
  },
  decode(json: Json): KeyTimerSlots {
    const slots = Object.entries(json as KeyTimersEntry).map(([name, t]): TimerSlot => ({ key: null, name, time: t.time, type: t.type, queuedAt: t.time }));
    return slots.length === 1 ? slots[0]! : slots;
  },
});

const before = (a: TimerSlot, b: TimerSlot) => {
  if (a.queuedAt !== b.queuedAt) return a.queuedAt < b.queuedAt;
  const byKey = compareKeys(a.key, b.key);
  return byKey !== 0 ? byKey < 0 : a.name < b.name;
};

/**
 * Named per-key timers. The store holds the truth and is checkpointed with the task; two heaps
 * (event time, processing time) index the same timer objects by the time they were queued at. A
 * timer moved *later* (the common case) is changed in place: when it surfaces it is found to be
 * later and goes back in at its new time, so the heaps hold one entry per timer, not one per `set`.
 * A timer moved earlier, or cancelled, leaves the store; its old entry is skipped when it surfaces.
 * Entries are checked against the store by name and time, so a store that returns copies works too.
 * It is the default {@link TimerStore}: saved, restored and sized through the store it wraps.
 */
export class TimerQueue implements TimerStore {
  private readonly heaps = { 'event-time': new Heap<TimerSlot>(before), 'processing-time': new Heap<TimerSlot>(before) };
  private indexed = false;
  /** The objects in the heaps, by identity: a copy a store returns is never one of them. */
  private readonly queued = new WeakSet<TimerSlot>();
  readonly encodedEntries?: () => Iterable<readonly [string, Json]>;

  constructor(private readonly store: KeyValueStore<Key, KeyTimerSlots>) {
    if (store.encodedEntries) this.encodedEntries = () => store.encodedEntries!();
  }

  get name(): string {
    return this.store.name;
  }

  get size(): number {
    return this.store.size;
  }

  takeChanges(): Map<string, Json | null> {
    return this.store.takeChanges();
  }

  restore(entries: Iterable<readonly [string, Json]>): void {
    this.store.restore(entries);
  }

  close(): void {
    this.store.close?.();
  }

  get(key: Key, name: string): Timer | undefined {
    const t = find(this.store.get(key), name);
    return t === undefined ? undefined : { name, time: t.time, type: t.type };
  }

  set(key: Key, timer: Timer): void {
    this.index();
    const timers = this.store.get(key);
    const slot = find(timers, timer.name);
    // Queued no later than its new time: it surfaces, sees the new time and is queued again. (A
    // store that returns copies learns the time an entry is queued again at: see fireDue.)
    if (slot !== undefined && slot.type === timer.type && timer.time >= slot.queuedAt) {
      slot.time = timer.time;
      this.store.put(key, timers!);
      return;
    }
    const fresh: TimerSlot = { key, name: timer.name, time: timer.time, type: timer.type, queuedAt: timer.time };
    this.store.put(key, replaced(timers, slot, fresh)!);
    this.heaps[timer.type].push(fresh);
    this.queued.add(fresh);
  }

  cancel(key: Key, name: string): void {
    const timers = this.store.get(key);
    const slot = find(timers, name);
    if (slot === undefined) return;
    const rest = replaced(timers, slot, undefined);
    if (rest === undefined) this.store.delete(key);
    else this.store.put(key, rest);
  }

  /** Fires, in (time, key, name) order, every timer of `type` due at `now`, including ones set while firing. */
  fireDue(type: Timer['type'], now: number, fire: (key: Key, timer: Timer) => void): void {
    this.index();
    const heap = this.heaps[type];
    for (let next = heap.peek(); next !== undefined && next.queuedAt <= now; next = heap.peek()) {
      heap.pop();
      this.queued.delete(next);
      // By value, not identity: a store of your own may return a copy of what was put.
      const timers = this.store.get(next.key);
      const live = find(timers, next.name);
      if (live === undefined || live.type !== type) continue; // cancelled
      if (live.time > next.queuedAt) {
        next.time = live.time; // moved later: wait for its time
        next.queuedAt = live.time;
        heap.push(next);
        this.queued.add(next);
        // A copy the store returned keeps the old queuedAt, by which `set` would move the timer
        // earlier in place with no entry at that time: it is told the new one. Never an object in
        // a heap (the timer's own entry, when `next` is an old one): that would reorder the heap.
        if (live !== next && !this.queued.has(live)) {
          live.queuedAt = live.time;
          this.store.put(next.key, timers!);
        }
        continue;
      }
      if (live.time < next.queuedAt) continue; // moved earlier: fired (or to fire) from its own entry
      this.cancel(next.key, next.name);
      fire(next.key, { name: next.name, time: live.time, type });
    }
  }

  /** Builds the heaps from a restored store, once. */
  private index(): void {
    if (this.indexed) return;
    this.indexed = true;
    for (const [key, timers] of this.store.entries()) {
      for (const slot of slotsOf(timers)) {
        slot.key = key;
        slot.queuedAt = slot.time;
        this.heaps[slot.type].push(slot);
        this.queued.add(slot);
      }
    }
  }
}
