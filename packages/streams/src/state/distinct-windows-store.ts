import type { Key } from '../runtime/record';
import type { Json } from '../util/json';
import { distinctKey, fromDistinctKey, type Distinct } from '../util/distinct';
import type { StateStore } from './state-store';

/**
 * The windows a value is counted in, by window number (start / advance): a bit mask over the
 * store's `base` window onwards (bit i = window base + i), or, when a window falls outside the
 * mask, a sorted list of window numbers.
 */
export type Membership = number | number[];

/** Mask width: 30 bits keeps every mask a small integer, which V8 stores without a heap object. */
const MASK_BITS = 30;

/** The meta entry that persists `floor`; value entries are pairs, so it cannot collide. */
const FLOOR_ENTRY = JSON.stringify(['floor']);

function windowsOf(membership: Membership, base: number): number[] {
  if (typeof membership !== 'number') return membership;
  const windows: number[] = [];
  for (let bit = 0, m = membership; m !== 0; bit++, m >>>= 1) if (m & 1) windows.push(base + bit);
  return windows;
}

/** The compact form of this membership over `base`: a mask if every window fits in it. */
function compact(windows: readonly number[], base: number): Membership {
  let mask = 0;
  for (const w of windows) {
    const bit = w - base;
    if (bit < 0 || bit >= MASK_BITS) return [...windows];
    mask |= 1 << bit;
  }
  return mask;
}

/**
 * Per key, each distinct value once, with the fixed windows it is counted in: the state of
 * `countDistinct` over tumbling and hopping windows. A user active in five overlapping 5-minute
 * windows is one entry holding a small bit mask, where one Set per window holds it five times (and
 * writes it five times to the changelog).
 *
 * Windows below `floor` are closed and forgotten by {@link evictBelow}; the floor is persisted, so
 * a restored task knows which windows are closed.
 */
export class DistinctWindowsStore implements StateStore {
  private readonly byKey = new Map<Key, Map<Distinct, Membership>>();
  private readonly dirty = new Map<Key, Set<Distinct>>();
  /** Window of bit 0 of every mask; set by the first value, then by each eviction. */
  private base: number | undefined;
  private floorWindow = -Infinity;
  private floorChanged = false;
  private entryCount = 0;

  constructor(readonly name: string) {}

  get size(): number {
    return this.entryCount;
  }

  /** Windows numbered below this one are closed. */
  get floor(): number {
    return this.floorWindow;
  }

  /** The windows the value is counted in under the key, for {@link counts} and {@link add}. */
  membership(key: Key, value: Distinct): Membership | undefined {
    return this.byKey.get(key)?.get(value);
  }

  /** Whether this membership includes window number `window`. */
  counts(membership: Membership | undefined, window: number): boolean {
    if (membership === undefined) return false;
    if (typeof membership === 'number') {
      const bit = window - this.base!;
      return bit >= 0 && bit < MASK_BITS && (membership & (1 << bit)) !== 0;
    }
    return membership.includes(window);
  }

  /** Counts the value in the first `n` of `windows` too; `current` is what {@link membership} returned. */
  add(key: Key, value: Distinct, current: Membership | undefined, windows: readonly number[], n: number): void {
    if (n === 0) return;
    const base = (this.base ??= windows[0]!);
    let next: Membership | undefined = typeof current === 'object' ? undefined : (current ?? 0);
    for (let i = 0; i < n && next !== undefined; i++) {
      const bit = windows[i]! - base;
      if (bit >= 0 && bit < MASK_BITS) next |= 1 << bit;
      else next = undefined;
    }
    if (next === undefined) {
      // Outside the mask (rare: partitions far apart in event time): a list of window numbers.
      const list = current === undefined ? [] : [...windowsOf(current, base)];
      for (let i = 0; i < n; i++) if (!list.includes(windows[i]!)) list.push(windows[i]!);
      next = list.sort((a, b) => a - b);
    }
    let values = this.byKey.get(key);
    if (values === undefined) this.byKey.set(key, (values = new Map()));
    if (current === undefined) this.entryCount++;
    values.set(value, next);
    this.markDirty(key, value);
  }

  /**
   * Forgets every window numbered below `window` (they closed), and each value counted only there.
   * One pass over all values: the operator does it once per closed window, not per record.
   */
  evictBelow(window: number): void {
    if (window <= this.floorWindow) return;
    this.floorWindow = window;
    this.floorChanged = true;
    const oldBase = this.base;
    this.base = window;
    if (oldBase === undefined) return;
    const shift = window - oldBase;
    for (const [key, values] of this.byKey) {
      for (const [value, membership] of values) {
        let next: Membership;
        if (typeof membership === 'number' && shift >= 0) next = shift >= MASK_BITS ? 0 : membership >>> shift;
        else next = compact(windowsOf(membership, oldBase).filter((w) => w >= window), window);
        if (next === 0 || (typeof next === 'object' && next.length === 0)) {
          values.delete(value);
          this.entryCount--;
          this.markDirty(key, value);
        } else if (next !== membership) {
          values.set(value, next); // a new base, the same windows: nothing to persist
        }
      }
      if (values.size === 0) this.byKey.delete(key);
    }
  }

  /** Every key, value and the window numbers it is counted in (to rebuild the counts). */
  *all(): Generator<readonly [Key, Distinct, readonly number[]]> {
    for (const [key, values] of this.byKey) {
      for (const [value, membership] of values) yield [key, value, windowsOf(membership, this.base!)];
    }
  }

  takeChanges(): Map<string, Json | null> {
    const changes = new Map<string, Json | null>();
    if (this.floorChanged) changes.set(FLOOR_ENTRY, this.floorWindow);
    this.floorChanged = false;
    for (const [key, values] of this.dirty) {
      const current = this.byKey.get(key);
      for (const value of values) {
        const membership = current?.get(value);
        changes.set(JSON.stringify([key, distinctKey(value)]), membership === undefined ? null : windowsOf(membership, this.base!));
      }
    }
    this.dirty.clear();
    return changes;
  }

  *encodedEntries(): Generator<readonly [string, Json]> {
    if (Number.isFinite(this.floorWindow)) yield [FLOOR_ENTRY, this.floorWindow];
    for (const [key, value, windows] of this.all()) yield [JSON.stringify([key, distinctKey(value)]), windows as number[]];
  }

  restore(entries: Iterable<readonly [string, Json]>): void {
    const restored: Array<[Key, Distinct, number[]]> = [];
    let lowest = Infinity;
    for (const [entryKey, json] of entries) {
      if (entryKey === FLOOR_ENTRY) {
        this.floorWindow = json as number;
        continue;
      }
      const parsed = JSON.parse(entryKey) as unknown[];
      if (parsed.length !== 2) {
        throw new Error(
          `state store ${this.name} holds entries of an earlier format (one set per window): ` +
            `reset this application's state (its state directory, or its changelog topics) to upgrade`,
        );
      }
      const windows = json as number[];
      for (const w of windows) lowest = Math.min(lowest, w);
      restored.push([parsed[0] as Key, fromDistinctKey(parsed[1] as string), windows]);
    }
    if (restored.length === 0) return;
    const base = (this.base = Number.isFinite(this.floorWindow) ? this.floorWindow : lowest);
    for (const [key, value, windows] of restored) {
      const open = windows.filter((w) => w >= this.floorWindow);
      if (open.length === 0) continue;
      let values = this.byKey.get(key);
      if (values === undefined) this.byKey.set(key, (values = new Map()));
      values.set(value, compact(open, base));
      this.entryCount++;
    }
  }

  private markDirty(key: Key, value: Distinct): void {
    let values = this.dirty.get(key);
    if (values === undefined) this.dirty.set(key, (values = new Set()));
    values.add(value);
  }
}
