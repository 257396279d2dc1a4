import type { Timer } from '../../operators/keyed-processor';
import type { KeyTimersEntry } from '../../operators/timer-queue';
import type { Key } from '../../runtime/record';
import { compareKeys } from '../../util/compare-keys';
import { IndexedHeap } from '../../util/indexed-heap';
import type { Json } from '../../util/json';
import type { TimerStore } from '../state-store';
import { orderedKeyBytes } from './key-order';
import type { SpillDatabase, SpillStatement } from './spill-database';
import { UseOrderedCache, type UseOrdered } from './use-ordered-cache';

interface Slot {
  readonly key: Key;
  readonly name: string;
  type: Timer['type'];
  time: number;
  heapIndex: number;
}

/** A cached key's timers (often none: a key looked up and found without any is cached too). */
interface Cached extends UseOrdered {
  readonly slots: Slot[];
  /** Changed since the last `takeChanges`. */
  changed: boolean;
}

interface Row {
  kb: Buffer;
  name: string;
  type: number;
  time: number;
  key: string;
}

const TYPES: ReadonlyArray<Timer['type']> = ['event-time', 'processing-time'];
const typeCode = (type: Timer['type']): number => (type === 'event-time' ? 0 : 1);
const PAGE = 1_000;

const before = (a: Slot, b: Slot): boolean => {
  if (a.time !== b.time) return a.time < b.time;
  const byKey = compareKeys(a.key, b.key);
  return byKey !== 0 ? byKey < 0 : a.name < b.name;
};

function encode(slots: readonly Slot[]): Json | null {
  if (slots.length === 0) return null;
  const json: KeyTimersEntry = {};
  for (const s of slots) json[s.name] = { time: s.time, type: s.type };
  return json;
}

/**
 * A keyed processor's timers, the recently used keys' in memory and the others in a SQLite table
 * ordered by time, so a million open sessions with a timeout cost a bounded cache, not a million
 * heap entries. A key's timers are in exactly one place: a key that comes into the cache takes
 * its rows out of the table, and goes back to it when it leaves. Firing compares the earliest
 * timer in memory (a heap) with the earliest in the table and always takes the earlier, loading a
 * key from the table when it holds the next one, so timers fire in (time, key, name) order, the
 * in-memory order, wherever they are.
 */
export class SqliteTimerStore implements TimerStore {
  private readonly cache: UseOrderedCache<Key, Cached>;
  private readonly heaps = { 'event-time': new IndexedHeap<Slot>(before), 'processing-time': new IndexedHeap<Slot>(before) };
  /** The earliest timer of each type in the table: null when none, undefined when it must be read again. */
  private readonly tableHeads: Record<Timer['type'], { time: number; key: Key } | null | undefined> = { 'event-time': null, 'processing-time': null };
  private changedKeys: Key[] = [];
  private evictedChanges = new Map<string, Json | null>();
  private keysInTable = 0;
  private readonly table: string;
  private readonly selectKey: SpillStatement;
  private readonly deleteKey: SpillStatement;
  private readonly insert: SpillStatement;
  private readonly head: SpillStatement;
  private readonly page: SpillStatement;

  constructor(
    readonly name: string,
    private readonly db: SpillDatabase,
    cacheEntries: number,
  ) {
    this.cache = new UseOrderedCache(cacheEntries);
    this.table = db.createTable(name, 'kb BLOB NOT NULL, name TEXT NOT NULL, type INTEGER NOT NULL, time REAL NOT NULL, key TEXT NOT NULL, PRIMARY KEY (kb, name)', [
      'CREATE INDEX "$name_due" ON "$name" (type, time, kb)',
    ]);
    const t = `"${this.table}"`;
    this.selectKey = db.prepare(`SELECT name, type, time FROM ${t} WHERE kb = ?`);
    this.deleteKey = db.prepare(`DELETE FROM ${t} WHERE kb = ?`);
    this.insert = db.prepare(`INSERT INTO ${t} (kb, name, type, time, key) VALUES (?, ?, ?, ?, ?)`);
    this.head = db.prepare(`SELECT time, key FROM ${t} WHERE type = ? ORDER BY time, kb LIMIT 1`);
    this.page = db.prepare(`SELECT kb, name, type, time, key FROM ${t} WHERE (kb, name) > (?, ?) ORDER BY kb, name LIMIT ${PAGE}`);
  }

  /** Keys with at least one timer. */
  get size(): number {
    let cached = 0;
    for (const c of this.cache.values()) if (c.slots.length > 0) cached++;
    return this.keysInTable + cached;
  }

  /** Keys held in memory now (at most `cacheEntries`). */
  get cachedKeys(): number {
    return this.cache.size;
  }

  get(key: Key, name: string): Timer | undefined {
    const slot = this.cached(key).slots.find((s) => s.name === name);
    return slot === undefined ? undefined : { name, time: slot.time, type: slot.type };
  }

  set(key: Key, timer: Timer): void {
    const c = this.cached(key);
    const slot = c.slots.find((s) => s.name === timer.name);
    if (slot === undefined) {
      const fresh: Slot = { key, name: timer.name, type: timer.type, time: timer.time, heapIndex: -1 };
      c.slots.push(fresh);
      this.heaps[timer.type].push(fresh);
    } else if (slot.type !== timer.type) {
      this.heaps[slot.type].remove(slot);
      slot.type = timer.type;
      slot.time = timer.time;
      this.heaps[slot.type].push(slot);
    } else if (slot.time !== timer.time) {
      slot.time = timer.time;
      this.heaps[slot.type].update(slot);
    } else {
      return;
    }
    this.changed(key, c);
  }

  cancel(key: Key, name: string): void {
    const c = this.cached(key);
    const i = c.slots.findIndex((s) => s.name === name);
    if (i < 0) return;
    const [slot] = c.slots.splice(i, 1);
    this.heaps[slot!.type].remove(slot!);
    this.changed(key, c);
  }

  fireDue(type: Timer['type'], now: number, fire: (key: Key, timer: Timer) => void): void {
    const heap = this.heaps[type];
    for (;;) {
      const inMemory = heap.peek();
      const inTable = this.tableHead(type);
      if (inTable !== null && inTable.time <= now && (inMemory === undefined || inTable.time < inMemory.time || (inTable.time === inMemory.time && compareKeys(inTable.key, inMemory.key) < 0))) {
        // The table holds the next timer: bring its key in (the newest key, it stays), and the heap has it.
        this.cached(inTable.key);
        continue;
      }
      if (inMemory === undefined || inMemory.time > now) return;
      heap.pop();
      const c = this.cached(inMemory.key);
      c.slots.splice(c.slots.indexOf(inMemory), 1);
      this.changed(inMemory.key, c);
      fire(inMemory.key, { name: inMemory.name, time: inMemory.time, type });
    }
  }

  takeChanges(): Map<string, Json | null> {
    const changes = this.evictedChanges;
    this.evictedChanges = new Map();
    for (const key of this.changedKeys) {
      const c = this.cache.peek(key);
      if (c === undefined || !c.changed) continue;
      c.changed = false;
      changes.set(JSON.stringify(key), encode(c.slots));
    }
    this.changedKeys = [];
    this.db.commitWrites();
    return changes;
  }

  *encodedEntries(): Generator<readonly [string, Json]> {
    // Cached keys have no rows in the table: the two parts never repeat a key.
    const cached: Array<readonly [string, Json]> = [];
    for (const [key, c] of this.cache) if (c.slots.length > 0) cached.push([JSON.stringify(key), encode(c.slots)!]);
    yield* cached;
    let afterKey: Buffer = Buffer.alloc(0);
    let afterName = '';
    let current: { key: string; json: KeyTimersEntry } | undefined;
    for (;;) {
      const rows = this.page.all(afterKey, afterName) as Row[];
      for (const row of rows) {
        if (current !== undefined && current.key !== row.key) {
          yield [current.key, current.json];
          current = undefined;
        }
        current ??= { key: row.key, json: {} };
        current.json[row.name] = { time: row.time, type: TYPES[row.type]! };
      }
      if (rows.length < PAGE) break;
      afterKey = rows[rows.length - 1]!.kb;
      afterName = rows[rows.length - 1]!.name;
    }
    if (current !== undefined) yield [current.key, current.json];
  }

  restore(entries: Iterable<readonly [string, Json]>): void {
    this.db.beginWrites();
    for (const [k, json] of entries) {
      const kb = orderedKeyBytes(JSON.parse(k) as Key);
      const timers = Object.entries(json as KeyTimersEntry);
      for (const [name, t] of timers) this.insert.run(kb, name, typeCode(t.type), t.time, k);
      if (timers.length > 0) this.keysInTable++;
    }
    this.db.commitWrites();
    this.tableHeads['event-time'] = undefined;
    this.tableHeads['processing-time'] = undefined;
  }

  close(): void {
    this.cache.clear();
    this.db.dropTable(this.table);
  }

  /** The earliest (time, key) of a type in the table. */
  private tableHead(type: Timer['type']): { time: number; key: Key } | null {
    let head = this.tableHeads[type];
    if (head === undefined) {
      const row = this.head.get(typeCode(type)) as { time: number; key: string } | undefined;
      head = row === undefined ? null : { time: row.time, key: JSON.parse(row.key) as Key };
      this.tableHeads[type] = head;
    }
    return head;
  }

  /** The key's timers, taken out of the table if it is not cached; a use of it (see UseOrderedCache). */
  private cached(key: Key): Cached {
    let c = this.cache.use(key);
    if (c !== undefined) return c;
    c = { slots: [], changed: false, touched: 0 };
    const kb = orderedKeyBytes(key);
    const rows = this.selectKey.all(kb) as Array<Pick<Row, 'name' | 'type' | 'time'>>;
    if (rows.length > 0) {
      this.db.beginWrites();
      this.deleteKey.run(kb);
      this.keysInTable--;
      for (const row of rows) {
        const type = TYPES[row.type]!;
        const slot: Slot = { key, name: row.name, type, time: row.time, heapIndex: -1 };
        c.slots.push(slot);
        this.heaps[type].push(slot);
        const head = this.tableHeads[type];
        if (head !== undefined && head !== null && row.time <= head.time) this.tableHeads[type] = undefined;
      }
    }
    const evicted = this.cache.add(key, c);
    if (evicted) this.evict(...evicted);
    return c;
  }

  private changed(key: Key, c: Cached): void {
    if (c.changed) return;
    c.changed = true;
    this.changedKeys.push(key);
  }

  /** A key that left the cache goes to the table with its timers. */
  private evict(key: Key, c: Cached): void {
    if (c.changed) this.evictedChanges.set(JSON.stringify(key), encode(c.slots));
    if (c.slots.length === 0) return;
    this.db.beginWrites();
    const kb = orderedKeyBytes(key);
    const k = JSON.stringify(key);
    for (const slot of c.slots) {
      this.heaps[slot.type].remove(slot);
      this.insert.run(kb, slot.name, typeCode(slot.type), slot.time, k);
      const head = this.tableHeads[slot.type];
      if (head === null || (head !== undefined && (slot.time < head.time || (slot.time === head.time && compareKeys(key, head.key) < 0)))) {
        this.tableHeads[slot.type] = { time: slot.time, key };
      }
    }
    this.keysInTable++;
  }
}
