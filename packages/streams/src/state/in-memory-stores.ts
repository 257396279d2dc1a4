import type { Codec, StateCodec } from '../util/json';
import { InMemoryKeyValueStore } from './in-memory-key-value-store';
import { InMemoryWindowStore } from './in-memory-window-store';
import type { StoreFactory } from './state-store';

/** The default stores: Maps in memory, persisted (or not) by the app's state backend. */
export const inMemoryStores: StoreFactory = Object.freeze({
  keyValue: <K, V>(name: string, codec: Codec<V>) => new InMemoryKeyValueStore<K, V>(name, codec),
  window: <K, A>(name: string, codec: StateCodec<A>) => new InMemoryWindowStore<K, A>(name, codec),
});
