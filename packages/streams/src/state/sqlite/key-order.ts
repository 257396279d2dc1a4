import type { Key } from '../../runtime/record';

/**
 * Encodes a key as bytes whose byte order (SQLite compares BLOBs with memcmp) is the order the
 * in-memory timers use for equal times: null, then numbers by value, then strings by UTF-16 code
 * unit, as JavaScript's `<` compares them. Timers on disk and in memory then fire in one order.
 */
export function orderedKeyBytes(key: Key): Buffer {
  if (key === null) return Buffer.from([0]);
  if (typeof key === 'number') {
    const out = Buffer.allocUnsafe(9);
    out[0] = 1;
    out.writeDoubleBE(key === 0 ? 0 : key, 1); // -0 and 0 are one key
    // IEEE 754 bytes sort like the numbers once negatives are inverted and positives get the sign bit.
    if (out[1]! & 0x80) for (let i = 1; i < 9; i++) out[i] = ~out[i]! & 0xff;
    else out[1] = out[1]! | 0x80;
    return out;
  }
  const out = Buffer.allocUnsafe(1 + 2 * key.length);
  out[0] = 2;
  for (let i = 0; i < key.length; i++) out.writeUInt16BE(key.charCodeAt(i), 1 + 2 * i);
  return out;
}
