import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InMemoryKeyValueStore, type KeyValueStore } from '../../src';
import { SqliteKeyValueStore } from '../../src/state/sqlite';
import { SpillDatabase } from '../../src/state/sqlite/spill-database';
import type { Json } from '../../src/util/json';

// A changelog (and every state backend) holds null as a delete, so a value of null did not
// survive a restart. Kept as a value until then, it made the sqlite store's size drift: counted at
// the put, gone from the file when the key left the cache, counted again at the next put, and
// never taken off. Now null deletes at once, in every store, as Kafka Streams' put(key, null) does.

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'streams-null-values-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const codec = { encode: (v: number | null): Json => v, decode: (j: Json) => j as number | null };
const stores = (): Array<[string, KeyValueStore<string, number | null>]> => [
  ['in memory', new InMemoryKeyValueStore<string, number | null>('m', codec)],
  // A cache of one key: reading 'b' sends 'a' to the file.
  ['sqlite, a cache of 1', new SqliteKeyValueStore<string, number | null>('s', codec, new SpillDatabase(dir, 1), 1)],
];

describe('a null value', () => {
  it.each(['in memory', 'sqlite, a cache of 1'])('deletes the key: %s', (name) => {
    const store = new Map(stores()).get(name)!;
    store.put('a', 7);
    store.takeChanges();
    store.put('a', null);
    expect([store.get('a'), store.size]).toEqual([undefined, 0]);
    expect(store.takeChanges()).toEqual(new Map([['"a"', null]]));
    store.get('b');
    store.put('a', 1);
    expect([store.get('a'), store.size]).toEqual([1, 1]);
    store.put('a', null);
    store.get('b');
    expect(store.delete('a')).toBe(false);
    expect(store.size).toBe(0);
  });

  it('in sqlite, a value JSON writes as null (Infinity) is gone once the key leaves the cache, as after a restart', () => {
    const store = new SqliteKeyValueStore<string, number>('s', { encode: (v: number): Json => v, decode: (j: Json) => j as number }, new SpillDatabase(dir, 1), 1);
    store.put('a', Infinity);
    store.get('b'); // 'a' leaves the cache
    expect(JSON.stringify(store.takeChanges().get('"a"'))).toBe('null'); // what every backend logs: a delete
    expect([store.get('a'), store.size]).toEqual([undefined, 0]);
  });
});

