import type { Timer } from '../operators/keyed-processor';
import type { Key } from '../runtime/record';
import type { Codec, Json, StateCodec } from '../util/json';

/**
 * What the runtime needs of every store: its name, its size for metrics, and the changes made since
 * the last checkpoint so a {@link StateBackend} can persist them together with the input offsets
 * they reflect. Implement it (with {@link KeyValueStore}) to plug in a store of your own.
 */
export interface StateStore {
  readonly name: string;
  /** Number of entries, for metrics. */
  readonly size: number;
  /** Entries changed since the last call, encoded: key → value, or null when deleted. Resets the changes. */
  takeChanges(): Map<string, Json | null>;
  /**
   * Every entry, encoded as `takeChanges` encodes it, read lazily: a backend writes a full snapshot
   * from this (a store of a million keys is streamed to disk, not copied in memory first).
   * Optional for stores of your own: without it, the local backend never compacts that task's log.
   */
  encodedEntries?(): Iterable<readonly [string, Json]>;
  /** Loads a checkpoint's entries into an empty store, before any record is processed. */
  restore(entries: Iterable<readonly [string, Json]>): void;
  /** The task that owns the store is gone (stopped, or its partition moved): release what it holds. */
  close?(): void;
}

/** A typed key-value store, as processors use it. */
export interface KeyValueStore<K, V> extends StateStore {
  get(key: K): V | undefined;
  /** Null (or undefined) deletes the key, as in Kafka Streams: a changelog holds null as a delete. */
  put(key: K, value: V): void;
  delete(key: K): boolean;
  entries(): IterableIterator<[K, V]>;
}

/** The state of fixed (tumbling, hopping) windows: an accumulator per window start and key. */
export interface WindowStore<K, A> extends StateStore {
  get(windowStart: number, key: K): A | undefined;
  put(windowStart: number, key: K, accumulator: A): void;
  /** The keys and accumulators of one window. */
  window(windowStart: number): ReadonlyMap<K, A> | undefined;
  /** Open window starts, oldest first. */
  windowStarts(): readonly number[];
  /** Deletes a whole window (it closed). */
  dropWindow(windowStart: number): void;
}

/**
 * The named timers of a keyed processor, per key, fired in (time, key, name) order. Saved as one
 * entry per key, `{ [name]: { time, type } }`, whatever the implementation, so a task's state can
 * move between implementations.
 */
export interface TimerStore extends StateStore {
  get(key: Key, name: string): Timer | undefined;
  /** Sets the key's timer of this name, moving it if it exists. */
  set(key: Key, timer: Timer): void;
  cancel(key: Key, name: string): void;
  /**
   * Fires, in (time, key, name) order, every timer of `type` due at `now`, including ones set
   * while firing; a timer is removed before it fires.
   */
  fireDue(type: Timer['type'], now: number, fire: (key: Key, timer: Timer) => void): void;
}

/** Builds the stores of a task; `StoreFactory` is how users plug in their own implementation. */
export interface StoreFactory {
  keyValue<K, V>(name: string, codec: Codec<V>): KeyValueStore<K, V>;
  window<K, A>(name: string, codec: StateCodec<A>): WindowStore<K, A>;
  /** A keyed processor's timers. Absent: a heap in memory over `keyValue(name, …)`. */
  timers?(name: string): TimerStore;
}
