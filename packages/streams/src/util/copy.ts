import { types } from 'node:util';

/**
 * A copy of `value` that nothing else holds, where a live object would otherwise escape: an
 * accumulator that later records mutate, a record's value that other windows and branches share.
 * Only data is copied: plain objects and arrays (deeply, by structured clone, which makes a class
 * instance inside them a plain object), bytes, and the built-in `Set`, `Map`, `Date`, typed arrays,
 * `ArrayBuffer` and `DataView` (their entries deeply; object keys of a Map are copies too). At the
 * top level, anything else (primitives, class instances, whose prototype a copy would lose,
 * subclasses of those built-ins, objects holding functions, which cannot be copied, and what
 * cannot be copied, such as a detached buffer) is returned as it is, shared as before.
 */
export function ownCopy<V>(value: V): V {
  return copyOf(value, undefined);
}

function copyOf<V>(value: V, seen: Map<object, unknown> | undefined): V {
  // Primitives and class instances first, with no allocation: reduce calls this per record.
  if (typeof value !== 'object' || value === null) return value;
  if (Buffer.isBuffer(value)) return Buffer.from(value) as V;
  if (isPlainData(value)) {
    try {
      return structuredClone(value);
    } catch {
      return value;
    }
  }
  if (!mayBeBuiltin(value)) return value;
  try {
    return copyOfBuiltin(value, seen ?? new Map()) as V;
  } catch {
    return value; // a detached ArrayBuffer, say: shared as before
  }
}

/** Whether the prototype's constructor is named as one of the built-ins copied: one lookup, no util.types call. */
function mayBeBuiltin(value: object): boolean {
  const name = (Object.getPrototypeOf(value) as { constructor?: { name?: unknown } } | null)?.constructor?.name;
  return typeof name === 'string' && BUILTIN_NAMES.has(name);
}

const BUILTIN_NAMES = new Set([
  'Set',
  'Map',
  'Date',
  'ArrayBuffer',
  'DataView',
  'Int8Array',
  'Uint8Array',
  'Uint8ClampedArray',
  'Int16Array',
  'Uint16Array',
  'Int32Array',
  'Uint32Array',
  'Float32Array',
  'Float64Array',
  'BigInt64Array',
  'BigUint64Array',
]);

/**
 * A plain object or an array. A plain object's prototype is some realm's Object.prototype, whose
 * own prototype is null (structuredClone may make its copies in another realm than the caller's).
 */
function isPlainData(value: object): boolean {
  if (Array.isArray(value)) return true;
  const prototype = Object.getPrototypeOf(value) as object | null;
  return prototype === null || Object.getPrototypeOf(prototype) === null;
}

/**
 * A copy of a built-in collection made with its own constructor, so it is of the caller's realm
 * as the original is (structuredClone's copy of a Set is of Node's realm, and in a jest test it is
 * neither `instanceof Set` nor equal to one); util.types, not instanceof, tells one from any realm.
 * A subclass is not copied: the copy would be the built-in, its own methods lost. `seen` keeps a
 * collection that holds itself from recursing for ever.
 */
function copyOfBuiltin(value: object, seen: Map<object, unknown>): unknown {
  const done = seen.get(value);
  if (done !== undefined) return done;
  const make = (Object.getPrototypeOf(value) as { constructor?: new (...args: unknown[]) => object } | null)?.constructor;
  const is = (name: string) => make?.name === name;
  if (types.isSet(value) && is('Set')) {
    const copy = new make!() as Set<unknown>;
    seen.set(value, copy);
    for (const item of value as Set<unknown>) copy.add(copyOf(item, seen));
    return copy;
  }
  if (types.isMap(value) && is('Map')) {
    const copy = new make!() as Map<unknown, unknown>;
    seen.set(value, copy);
    for (const [k, v] of value as Map<unknown, unknown>) copy.set(copyOf(k, seen), copyOf(v, seen));
    return copy;
  }
  if (types.isDate(value) && is('Date')) return new make!((value as Date).getTime());
  if (types.isTypedArray(value) && is((value as { [Symbol.toStringTag]: string })[Symbol.toStringTag])) return new make!(value);
  if (types.isArrayBuffer(value) && is('ArrayBuffer')) return (value as ArrayBuffer).slice(0);
  if (types.isDataView(value) && is('DataView')) {
    const view = value as DataView;
    return new make!(view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength));
  }
  return value;
}
