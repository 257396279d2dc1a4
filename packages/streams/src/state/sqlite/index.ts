/**
 * `@pipeline/streams/sqlite`: state stores that keep their recently used keys in memory and the
 * rest in a SQLite file (better-sqlite3, an optional peer dependency), for processors with more
 * keys than memory should hold.
 * @packageDocumentation
 */
import './peer-dependencies';

export { sqliteStores, type SqliteStoresOptions } from './sqlite-stores';
export { SqliteKeyValueStore } from './sqlite-key-value-store';
export { SqliteTimerStore } from './sqlite-timer-store';
