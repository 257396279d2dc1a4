import type { Codec, StateCodec } from '../../util/json';
import { inMemoryStores } from '../in-memory-stores';
import type { KeyValueStore, StoreFactory, TimerStore, WindowStore } from '../state-store';
import { SpillDatabase } from './spill-database';
import { SqliteKeyValueStore } from './sqlite-key-value-store';
import { SqliteTimerStore } from './sqlite-timer-store';

export interface SqliteStoresOptions {
  /** Where the spill file goes (created if missing). The app's state directory is a good place. */
  readonly dir: string;
  /** Keys each store keeps in memory; the others are in the file. Default 10,000. */
  readonly cacheEntries?: number;
  /** SQLite's page cache for the file, in MiB: with the caches, all the memory the stores take. Default 16. */
  readonly pageCacheMb?: number;
}

/**
 * Stores whose memory is bounded however many keys they hold: each keeps its `cacheEntries` most
 * recently used keys (approximately, see UseOrderedCache) in memory and the rest in a SQLite file (better-sqlite3, an optional peer
 * dependency). For a keyed processor with many keys (a session per user, a million users), where
 * the in-memory stores would hold every key on the JavaScript heap. Kafka Streams does the same
 * with RocksDB.
 *
 * The file is a spill area: the app's state backend still persists every change and restores
 * from its own log or changelog, so durability and exactly-once are the same as in memory. Key-value
 * state and a processor's timers spill; window stores stay in memory (a window's keys are emitted
 * together when it closes).
 *
 * @example
 * events.groupByKey().process(sessionTracker(30 * 60_000), { store: sqliteStores({ dir: './data/state' }) })
 */
export function sqliteStores(options: SqliteStoresOptions): StoreFactory {
  const cacheEntries = options.cacheEntries ?? 10_000;
  const pageCacheMb = options.pageCacheMb ?? 16;
  if (typeof options.dir !== 'string' || options.dir === '') throw new TypeError('sqliteStores: dir must be a directory path');
  if (!Number.isSafeInteger(cacheEntries) || cacheEntries < 1) throw new RangeError(`sqliteStores: cacheEntries must be a positive integer, got ${cacheEntries}`);
  if (!Number.isFinite(pageCacheMb) || pageCacheMb <= 0) throw new RangeError(`sqliteStores: pageCacheMb must be a positive number, got ${pageCacheMb}`);

  // One file for every store of this factory, opened with the first and deleted with the last.
  let db: SpillDatabase | undefined;
  const database = () => {
    if (db === undefined || db.closed) db = new SpillDatabase(options.dir, pageCacheMb);
    return db;
  };
  return Object.freeze({
    keyValue: <K, V>(name: string, codec: Codec<V>): KeyValueStore<K, V> => new SqliteKeyValueStore<K, V>(name, codec, database(), cacheEntries),
    window: <K, A>(name: string, codec: StateCodec<A>): WindowStore<K, A> => inMemoryStores.window<K, A>(name, codec),
    timers: (name: string): TimerStore => new SqliteTimerStore(name, database(), cacheEntries),
  });
}


