import type { FixedWindows } from './window';

/**
 * Writes into `starts` the start of every fixed window that contains `timestamp`, oldest first, and
 * returns how many there are. A window `[s, s + size)` contains t iff s <= t < s + size; starts are
 * multiples of `advance` (epoch-aligned). Reusing one array keeps the hot path free of allocations.
 */
export function assignWindows(windows: FixedWindows, timestamp: number, starts: number[]): number {
  const { size, advance } = windows;
  const last = Math.floor(timestamp / advance) * advance;
  // The oldest start s with s + size > timestamp.
  let first = last - Math.ceil(size / advance) * advance + advance;
  while (first + size <= timestamp) first += advance;
  let n = 0;
  for (let s = first; s <= last; s += advance) starts[n++] = s;
  return n;
}
