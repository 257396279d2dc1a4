import { countDistinct } from '../../src';
import { InMemoryWindowStore } from '../../src/state/in-memory-window-store';
import type { Json, StateCodec } from '../../src/util/json';

/** What a state backend holds after applying every `takeChanges` so far. */
function applied(into: Map<string, Json>, changes: Map<string, Json | null>): Map<string, Json> {
  for (const [k, v] of changes) {
    if (v === null) into.delete(k);
    else into.set(k, structuredClone(v));
  }
  return into;
}

const numbers: StateCodec<number> = { encode: (v) => v, decode: (j) => j as number };
const distinct = countDistinct((v: string) => v);

// A window dropped (closed) and opened again before the next commit: the commit must save the
// window's new entries, not only the deletion of its old ones.
describe('InMemoryWindowStore', () => {
  it('saves a window opened again after it was dropped within one commit (whole values)', () => {
    const store = new InMemoryWindowStore<string, number>('w', numbers);
    const saved = new Map<string, Json>();
    store.put(0, 'k', 1);
    store.put(0, 'gone', 5);
    applied(saved, store.takeChanges());
    store.dropWindow(0);
    store.put(0, 'k', 2);
    applied(saved, store.takeChanges());
    const restored = new InMemoryWindowStore<string, number>('w', numbers);
    restored.restore(saved);
    expect([...(restored.window(0) ?? [])]).toEqual([...store.window(0)!]);
    expect(restored.windowStarts()).toEqual([0]);
  });

  it('saves a window opened again after it was dropped within one commit (values saved part by part)', () => {
    const codec = distinct.codec as StateCodec<ReturnType<typeof distinct.init>>;
    const store = new InMemoryWindowStore<string, ReturnType<typeof distinct.init>>('w', codec);
    const saved = new Map<string, Json>();
    store.put(0, 'k', distinct.add(distinct.add(distinct.init(), 'a'), 'b'));
    applied(saved, store.takeChanges());
    store.dropWindow(0);
    store.put(0, 'k', distinct.add(distinct.init(), 'a'));
    applied(saved, store.takeChanges());
    const restored = new InMemoryWindowStore<string, ReturnType<typeof distinct.init>>('w', codec);
    restored.restore(saved);
    expect([...(restored.get(0, 'k') ?? [])]).toEqual(['a']);
  });

  it('deletes every saved entry of a window dropped twice within one commit', () => {
    const store = new InMemoryWindowStore<string, number>('w', numbers);
    const saved = new Map<string, Json>();
    store.put(0, 'a', 1);
    applied(saved, store.takeChanges());
    store.dropWindow(0);
    store.put(0, 'b', 1);
    store.dropWindow(0);
    applied(saved, store.takeChanges());
    expect(saved).toEqual(new Map());
  });
});
