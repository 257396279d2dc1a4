import { InMemoryKeyValueStore } from '../../src';
import type { Key } from '../../src';
import { keyTimersCodec, TimerQueue, type KeyTimerSlots } from '../../src/operators/timer-queue';

/** TimerQueue on its own: the paths a session tracker rarely takes, with exact firing orders. */

const newStore = () => new InMemoryKeyValueStore<Key, KeyTimerSlots>('timers', keyTimersCodec);

/** A store of one's own that keeps values encoded and returns a fresh copy on every get (as a disk store would). */
class CopyingStore extends InMemoryKeyValueStore<Key, KeyTimerSlots> {
  override get(key: Key): KeyTimerSlots | undefined {
    const value = super.get(key);
    return value === undefined ? undefined : keyTimersCodec.decode(keyTimersCodec.encode(value));
  }
}

/** A store that keeps its own copies, whole objects included: what it returns is a copy of what was put, fields and all. */
class CloningStore extends InMemoryKeyValueStore<Key, KeyTimerSlots> {
  override get(key: Key): KeyTimerSlots | undefined {
    const value = super.get(key);
    return value === undefined ? undefined : structuredClone(value);
  }
  override put(key: Key, value: KeyTimerSlots): void {
    super.put(key, structuredClone(value));
  }
}

function fired(queue: TimerQueue, type: 'event-time' | 'processing-time', now: number): string[] {
  const out: string[] = [];
  queue.fireDue(type, now, (key, t) => out.push(`${String(key)}.${t.name}@${t.time}`));
  return out;
}

describe('TimerQueue', () => {
  it('fires timers moved later once at their last time, and timers moved earlier at the earlier time only', () => {
    const q = new TimerQueue(newStore());
    q.set('a', { name: 'timeout', time: 10, type: 'event-time' });
    q.set('a', { name: 'timeout', time: 30, type: 'event-time' }); // later: in place
    q.set('b', { name: 'timeout', time: 20, type: 'event-time' });
    q.set('b', { name: 'timeout', time: 5, type: 'event-time' }); // earlier: replaced
    expect(fired(q, 'event-time', 9)).toEqual(['b.timeout@5']);
    expect(fired(q, 'event-time', 25)).toEqual([]); // b's old entry (20) is skipped, a moved to 30
    expect(fired(q, 'event-time', 30)).toEqual(['a.timeout@30']);
    expect(fired(q, 'event-time', 1_000)).toEqual([]);
  });

  it('keeps several named timers per key, cancels one, and orders equal times by key then name', () => {
    const store = newStore();
    const q = new TimerQueue(store);
    q.set('k', { name: 'b', time: 10, type: 'event-time' });
    q.set('k', { name: 'a', time: 10, type: 'event-time' });
    q.set('j', { name: 'z', time: 10, type: 'event-time' });
    q.set('k', { name: 'c', time: 10, type: 'event-time' });
    q.cancel('k', 'c');
    q.cancel('k', 'missing');
    expect(q.get('k', 'a')?.time).toBe(10);
    expect(q.get('k', 'c')).toBeUndefined();
    expect(fired(q, 'event-time', 10)).toEqual(['j.z@10', 'k.a@10', 'k.b@10']);
    expect(store.size).toBe(0);
  });

  it('moves a timer between event and processing time, firing it from the new queue only', () => {
    const q = new TimerQueue(newStore());
    q.set('k', { name: 't', time: 10, type: 'event-time' });
    q.set('k', { name: 't', time: 50, type: 'processing-time' });
    expect(fired(q, 'event-time', 100)).toEqual([]);
    expect(fired(q, 'processing-time', 100)).toEqual(['k.t@50']);
  });

  it('saves timers as { name: { time, type } } and fires restored ones in the same order', () => {
    const store = newStore();
    const q = new TimerQueue(store);
    q.set('b', { name: 'timeout', time: 20, type: 'event-time' });
    q.set('a', { name: 'timeout', time: 20, type: 'event-time' });
    q.set('a', { name: 'other', time: 40, type: 'processing-time' });
    q.set('b', { name: 'timeout', time: 25, type: 'event-time' });
    const saved = [...store.takeChanges()];
    expect(Object.fromEntries(saved)).toEqual({
      '"b"': { timeout: { time: 25, type: 'event-time' } },
      '"a"': { timeout: { time: 20, type: 'event-time' }, other: { time: 40, type: 'processing-time' } },
    });
    const restored = newStore();
    restored.restore(saved as Array<[string, never]>);
    const r = new TimerQueue(restored);
    expect(fired(r, 'event-time', 30)).toEqual(['a.timeout@20', 'b.timeout@25']);
    expect(fired(r, 'processing-time', 40)).toEqual(['a.other@40']);
  });

  it('works with a store that returns copies: moved later, moved earlier, cancelled', () => {
    const q = new TimerQueue(new CopyingStore('timers', keyTimersCodec));
    q.set('a', { name: 't', time: 10, type: 'event-time' });
    q.set('a', { name: 't', time: 30, type: 'event-time' });
    q.set('b', { name: 't', time: 20, type: 'event-time' });
    q.set('b', { name: 't', time: 5, type: 'event-time' });
    q.set('c', { name: 't', time: 15, type: 'event-time' });
    q.cancel('c', 't');
    expect(fired(q, 'event-time', 9)).toEqual(['b.t@5']);
    expect(fired(q, 'event-time', 29)).toEqual([]);
    expect(fired(q, 'event-time', 30)).toEqual(['a.t@30']);
    expect(fired(q, 'event-time', 1_000)).toEqual([]);
  });

  it('with a store that keeps copies of whole objects, fires a timer moved earlier after its entry surfaced and was queued again later', () => {
    // The entry queued at 10 surfaces at 10, finds the timer moved to 30 and goes back in at 30;
    // the store's copy must learn that, or the move to 20 is made in place with no entry of its own.
    for (const store of [newStore(), new CloningStore('timers', keyTimersCodec)]) {
      const q = new TimerQueue(store);
      q.set('a', { name: 't', time: 10, type: 'event-time' });
      q.set('a', { name: 't', time: 30, type: 'event-time' });
      expect(fired(q, 'event-time', 10)).toEqual([]);
      q.set('a', { name: 't', time: 20, type: 'event-time' });
      expect(fired(q, 'event-time', 25)).toEqual(['a.t@20']);
      expect(fired(q, 'event-time', 1_000)).toEqual([]);
    }
  });

  it("keeps the heap in order when an old entry of a cancelled and re-set timer surfaces: another key's due timer fires", () => {
    for (const store of [newStore(), new CloningStore('timers', keyTimersCodec)]) {
      const q = new TimerQueue(store);
      q.set('a', { name: 't', time: 100, type: 'event-time' }); // an entry at 100
      q.cancel('a', 't'); // that entry stays in the heap, stale
      q.set('a', { name: 't', time: 150, type: 'event-time' }); // its own entry at 150
      q.set('a', { name: 't', time: 300, type: 'event-time' }); // moved later in place
      q.set('b', { name: 't', time: 200, type: 'event-time' });
      expect(fired(q, 'event-time', 250)).toEqual(['b.t@200']);
      expect(fired(q, 'event-time', 1_000)).toEqual(['a.t@300']);
    }
  });
});
