import type { Codec, Json } from '../../util/json';
import type { KeyValueStore } from '../state-store';
import type { SpillDatabase, SpillStatement } from './spill-database';
import { UseOrderedCache, type UseOrdered } from './use-ordered-cache';
import { messageOf } from '../../util/error-message';
import { stopsTheAppWith } from '../../util/stops-the-app';

/** A key as the cache holds it. */
interface Cached<V> extends UseOrdered {
  /** undefined: the key has no value (never set, or deleted). */
  value: V | undefined;
  /** Changed since the last `takeChanges`. */
  changed: boolean;
  /** Differs from the file: written when it leaves the cache. */
  unsaved: boolean;
  /** The file has a row for the key. */
  onDisk: boolean;
}

const PAGE = 1_000;

/**
 * A key-value store that holds its most recently used keys (approximately: UseOrderedCache) in
 * memory and the rest in a SQLite file, so its memory is bounded by `cacheEntries` however many
 * keys it has: what Kafka Streams does with RocksDB and its record cache.
 *
 * The cache is write-back: a key is written to the file only when it leaves the cache, so a key
 * that stays hot costs no disk write at all. Values in the cache are the objects processors put
 * (changing one in place and putting it back works as with the in-memory store); a value read
 * back from the file is a new object. Changes reach the state backend through `takeChanges` as
 * with every store, so the file is never the state's truth: a restore starts from a new one.
 */
export class SqliteKeyValueStore<K, V> implements KeyValueStore<K, V> {
  private readonly cache: UseOrderedCache<K, Cached<V>>;
  private changedKeys: K[] = [];
  /** Changes of keys that left the cache since the last `takeChanges`. */
  private evictedChanges = new Map<string, Json | null>();
  private count = 0;
  private readonly table: string;
  private readonly select: SpillStatement;
  private readonly upsert: SpillStatement;
  private readonly remove: SpillStatement;
  private readonly page: SpillStatement;

  constructor(
    readonly name: string,
    private readonly codec: Codec<V>,
    private readonly db: SpillDatabase,
    cacheEntries: number,
  ) {
    this.cache = new UseOrderedCache(cacheEntries);
    this.table = db.createTable(name, 'k TEXT PRIMARY KEY, v TEXT NOT NULL');
    const t = `"${this.table}"`;
    this.select = db.prepare(`SELECT v FROM ${t} WHERE k = ?`).pluck();
    this.upsert = db.prepare(`INSERT INTO ${t} (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v`);
    this.remove = db.prepare(`DELETE FROM ${t} WHERE k = ?`);
    this.page = db.prepare(`SELECT k, v FROM ${t} WHERE k > ? ORDER BY k LIMIT ${PAGE}`);
  }

  get size(): number {
    return this.count;
  }

  /** Keys held in memory now (at most `cacheEntries`). */
  get cachedKeys(): number {
    return this.cache.size;
  }

  get(key: K): V | undefined {
    return this.cached(key).value;
  }

  put(key: K, value: V): void {
    // As in Kafka Streams: a changelog holds null as a delete, so null is one here too (kept as a
    // value, it was counted, then gone from the file at its eviction, and counted again).
    if (value === null || value === undefined) {
      this.delete(key);
      return;
    }
    const c = this.cached(key);
    if (c.value === undefined) this.count++;
    c.value = value;
    this.changed(key, c);
  }

  delete(key: K): boolean {
    const c = this.cached(key);
    if (c.value === undefined) return false;
    c.value = undefined;
    this.count--;
    this.changed(key, c);
    return true;
  }

  /** Every key and value, read from the file a page at a time. Values of keys not in the cache are copies. */
  *entries(): IterableIterator<[K, V]> {
    for (const [k, v] of this.rows()) {
      const key = JSON.parse(k) as K;
      const c = this.cache.peek(key);
      yield [key, c !== undefined ? (c.value as V) : this.codec.decode(JSON.parse(v) as Json)];
    }
  }

  *encodedEntries(): Generator<readonly [string, Json]> {
    for (const [k, v] of this.rows()) yield [k, JSON.parse(v) as Json];
  }

  takeChanges(): Map<string, Json | null> {
    const changes = this.evictedChanges;
    this.evictedChanges = new Map();
    for (const key of this.changedKeys) {
      const c = this.cache.peek(key);
      if (c === undefined || !c.changed) continue; // left the cache: its change is in evictedChanges
      c.changed = false;
      changes.set(JSON.stringify(key), c.value === undefined ? null : this.codec.encode(c.value));
    }
    this.changedKeys = [];
    this.db.commitWrites();
    return changes;
  }

  restore(entries: Iterable<readonly [string, Json]>): void {
    this.db.beginWrites();
    for (const [k, v] of entries) {
      this.upsert.run(k, JSON.stringify(v));
      this.count++;
    }
    this.db.commitWrites();
  }

  close(): void {
    this.cache.clear();
    this.db.dropTable(this.table);
  }

  /** The key's cache entry, read from the file if it is not cached; a use of it (see UseOrderedCache). */
  private cached(key: K): Cached<V> {
    let c = this.cache.use(key);
    if (c !== undefined) return c;
    const row = this.select.get(JSON.stringify(key)) as string | undefined;
    c = { value: row === undefined ? undefined : this.codec.decode(JSON.parse(row) as Json), changed: false, unsaved: false, onDisk: row !== undefined, touched: 0 };
    const evicted = this.cache.add(key, c);
    if (evicted) this.evict(...evicted);
    return c;
  }

  private changed(key: K, c: Cached<V>): void {
    c.unsaved = true;
    if (c.changed) return;
    c.changed = true;
    this.changedKeys.push(key);
  }

  /** A key that left the cache: its value goes to the file, its change to the next `takeChanges`. */
  private evict(key: K, c: Cached<V>): void {
    if (!c.unsaved && !c.changed) return;
    const k = JSON.stringify(key);
    let encoded: Json | null;
    try {
      encoded = c.value === undefined ? null : this.codec.encode(c.value);
    } catch (error) {
      // Another key's value, leaving the cache while some record is handled: not that record's
      // failure, and the key is out of the cache already. The app stops; its state restarts from
      // the last commit.
      throw stopsTheAppWith(new Error(`state store ${this.name}: cannot save the value of key ${k} as it leaves the cache: ${messageOf(error)}`, { cause: error }));
    }
    if (c.unsaved) this.save(k, encoded, c);
    if (c.changed) this.evictedChanges.set(k, encoded);
  }

  private save(k: string, encoded: Json | null, c: Cached<V>): void {
    this.db.beginWrites();
    // A value that JSON writes as null (Infinity, NaN) is a delete in every backend's log: here too,
    // not a row that comes back as null and stays counted until a restart.
    const text = encoded === null ? 'null' : JSON.stringify(encoded);
    if (text === 'null' && c.value !== undefined) {
      c.value = undefined;
      this.count--;
    }
    if (text !== 'null') this.upsert.run(k, text);
    else if (c.onDisk) this.remove.run(k);
    c.unsaved = false;
    c.onDisk = text !== 'null';
  }

  /** Every row of the file, in key order, after the cache's unsaved keys were written to it. */
  private *rows(): Generator<[string, string]> {
    for (const [key, c] of this.cache) {
      if (c.unsaved) this.save(JSON.stringify(key), c.value === undefined ? null : this.codec.encode(c.value), c);
    }
    // Page by key rather than hold a statement open: the caller may write to the store meanwhile.
    let after = '';
    for (;;) {
      const rows = this.page.all(after) as Array<{ k: string; v: string }>;
      for (const { k, v } of rows) yield [k, v];
      if (rows.length < PAGE) return;
      after = rows[rows.length - 1]!.k;
    }
  }
}
