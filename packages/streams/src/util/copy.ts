/**
 * A copy of `value` that nothing else holds, where a live object would otherwise escape: an
 * accumulator that later records mutate, a record's value that other windows and branches share.
 * Only data is copied: plain objects and arrays (deeply), and bytes. Anything else (primitives,
 * class instances, whose prototype a copy would lose, objects holding functions, which cannot be
 * copied) is returned as it is, shared as before.
 */
export function ownCopy<V>(value: V): V {
  if (typeof value !== 'object' || value === null) return value;
  if (Buffer.isBuffer(value)) return Buffer.from(value) as V;
  // A plain object's prototype is some realm's Object.prototype, whose own prototype is null
  // (structuredClone may make its copies in another realm than the caller's).
  const prototype = Object.getPrototypeOf(value) as object | null;
  if (prototype !== null && Object.getPrototypeOf(prototype) !== null && !Array.isArray(value)) return value;
  try {
    return structuredClone(value);
  } catch {
    return value;
  }
}
