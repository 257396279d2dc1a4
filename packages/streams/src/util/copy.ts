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
  const prototype = Object.getPrototypeOf(value) as { constructor?: new (...args: unknown[]) => object } | null;
  // A plain object's prototype is some realm's Object.prototype, whose own prototype is null
  // (structuredClone may make its copies in another realm than the caller's).
  if (Array.isArray(value) || prototype === null || Object.getPrototypeOf(prototype) === null) {
    try {
      return structuredClone(value);
    } catch {
      return value;
    }
  }
  try {
    return copyOfBuiltin(value, prototype.constructor, seen) as V;
  } catch {
    return value; // a detached ArrayBuffer, say: shared as before
  }
}

/**
 * A copy of a built-in collection made with its own constructor, so it is of the caller's realm
 * as the original is (structuredClone's copy of a Set is of Node's realm, and in a jest test it is
 * neither `instanceof Set` nor equal to one). The constructor's name picks the kind, util.types
 * confirms it in any realm; a subclass's name is its own, so it is not copied: the copy would be
 * the built-in, its own methods lost. Anything else is returned as it is. `seen` keeps a
 * collection that holds itself from recursing for ever.
 */
function copyOfBuiltin(value: object, make: (new (...args: unknown[]) => object) | undefined, seen: Map<object, unknown> | undefined): unknown {
  switch (make?.name) {
    case 'Set': {
      if (!types.isSet(value)) return value;
      const copies = seen ?? new Map<object, unknown>();
      const done = copies.get(value);
      if (done !== undefined) return done;
      const copy = new make() as Set<unknown>;
      copies.set(value, copy);
      for (const item of value as Set<unknown>) copy.add(copyOf(item, copies));
      return copy;
    }
    case 'Map': {
      if (!types.isMap(value)) return value;
      const copies = seen ?? new Map<object, unknown>();
      const done = copies.get(value);
      if (done !== undefined) return done;
      const copy = new make() as Map<unknown, unknown>;
      copies.set(value, copy);
      for (const [k, v] of value as Map<unknown, unknown>) copy.set(copyOf(k, copies), copyOf(v, copies));
      return copy;
    }
    case 'Date':
      return types.isDate(value) ? new make((value as Date).getTime()) : value;
    case 'ArrayBuffer':
      return types.isArrayBuffer(value) ? (value as ArrayBuffer).slice(0) : value;
    case 'DataView': {
      if (!types.isDataView(value)) return value;
      const view = value as DataView;
      return new make(view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength));
    }
    default:
      // Int8Array … BigUint64Array: the tag is the built-in's name, whatever the subclass.
      return make !== undefined && types.isTypedArray(value) && (value as { [Symbol.toStringTag]: string })[Symbol.toStringTag] === make.name ? new make(value) : value;
  }
}
