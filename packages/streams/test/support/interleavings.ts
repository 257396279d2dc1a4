/** A pseudo-random merge of the partitions that keeps each partition's order: a partition index per record. */
export function interleave(lengths: number[], seed: number): number[] {
  const left = [...lengths];
  const order: number[] = [];
  let x = seed >>> 0 || 1;
  while (left.some((n) => n > 0)) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    const candidates = left.flatMap((n, i) => (n > 0 ? [i] : []));
    const p = candidates[x % candidates.length]!;
    order.push(p);
    left[p]!--;
  }
  return order;
}
