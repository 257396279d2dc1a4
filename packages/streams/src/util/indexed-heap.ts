/** What an {@link IndexedHeap} keeps in each of its items: where the item is (-1: not in the heap). */
export interface HeapPosition {
  heapIndex: number;
}

/**
 * A binary min-heap whose items know their position, so any item can be removed, or moved after
 * its priority changed, in O(log n): a timer pushed back or cancelled leaves no stale entry behind.
 */
export class IndexedHeap<T extends HeapPosition> {
  private readonly items: T[] = [];

  constructor(private readonly less: (a: T, b: T) => boolean) {}

  get size(): number {
    return this.items.length;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  push(item: T): void {
    item.heapIndex = this.items.length;
    this.items.push(item);
    this.up(item.heapIndex);
  }

  pop(): T | undefined {
    const top = this.items[0];
    if (top !== undefined) this.remove(top);
    return top;
  }

  /** Removes an item wherever it is; does nothing if it is not in the heap. */
  remove(item: T): void {
    const i = item.heapIndex;
    const items = this.items;
    if (i < 0 || items[i] !== item) return;
    const last = items.pop()!;
    item.heapIndex = -1;
    if (last === item) return;
    items[i] = last;
    last.heapIndex = i;
    this.down(this.up(i));
  }

  /** Restores the order after the item's priority changed (either way). */
  update(item: T): void {
    if (item.heapIndex < 0 || this.items[item.heapIndex] !== item) return;
    this.down(this.up(item.heapIndex));
  }

  private up(i: number): number {
    const items = this.items;
    const item = items[i]!;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = items[parent]!;
      if (!this.less(item, p)) break;
      items[i] = p;
      p.heapIndex = i;
      i = parent;
    }
    items[i] = item;
    item.heapIndex = i;
    return i;
  }

  private down(i: number): void {
    const items = this.items;
    const n = items.length;
    const item = items[i]!;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const child = r < n && this.less(items[r]!, items[l]!) ? r : l;
      const c = items[child]!;
      if (!this.less(c, item)) break;
      items[i] = c;
      c.heapIndex = i;
      i = child;
    }
    items[i] = item;
    item.heapIndex = i;
  }
}
