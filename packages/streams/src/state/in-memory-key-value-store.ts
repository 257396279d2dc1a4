import { type Codec, type Json } from '../util/json';
import type { KeyValueStore } from './state-store';

/**
 * A key-value store in a Map. Writes only mark the key dirty; values are encoded once per
 * checkpoint, not once per write.
 */
export class InMemoryKeyValueStore<K, V> implements KeyValueStore<K, V> {
  private readonly map = new Map<K, V>();
  private readonly dirty = new Set<K>();

  constructor(
    readonly name: string,
    private readonly codec: Codec<V>,
  ) {}

  get size(): number {
    return this.map.size;
  }

  get(key: K): V | undefined {
    return this.map.get(key);
  }

  put(key: K, value: V): void {
    // As in Kafka Streams: a changelog holds null as a delete, so null is one here too.
    if (value === null || value === undefined) {
      this.delete(key);
      return;
    }
    this.map.set(key, value);
    this.dirty.add(key);
  }

  delete(key: K): boolean {
    this.dirty.add(key);
    return this.map.delete(key);
  }

  entries(): IterableIterator<[K, V]> {
    return this.map.entries();
  }

  takeChanges(): Map<string, Json | null> {
    const changes = new Map<string, Json | null>();
    for (const key of this.dirty) {
      const value = this.map.get(key);
      changes.set(JSON.stringify(key), value === undefined ? null : this.codec.encode(value));
    }
    this.dirty.clear();
    return changes;
  }

  *encodedEntries(): Generator<readonly [string, Json]> {
    for (const [key, value] of this.map) yield [JSON.stringify(key), this.codec.encode(value)];
  }

  restore(entries: Iterable<readonly [string, Json]>): void {
    for (const [key, value] of entries) this.map.set(JSON.parse(key) as K, this.codec.decode(value));
  }
}
