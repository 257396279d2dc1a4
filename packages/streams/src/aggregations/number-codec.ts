import type { Codec, Json } from '../util/json';

/**
 * How a number accumulator (or min's and max's null, no record yet) is saved. JSON has no
 * Infinity or NaN, and JSON.stringify writes them as null: a window's max() of Infinity came back
 * from a restart as "no record yet", and a sum() of NaN as 0. They are saved as the strings
 * 'Infinity', '-Infinity' and 'NaN' instead, which no finite number or null is, and read back as
 * numbers; state saved before this codec holds only numbers and nulls, which it reads unchanged.
 */
export function numberCodec<T extends number | null>(): Codec<T> {
  return NUMBER_CODEC as Codec<T>;
}

const NUMBER_CODEC: Codec<number | null> = Object.freeze({
  encode: (n: number | null): Json => (n === null || Number.isFinite(n) ? n : String(n)),
  decode: (json: Json): number | null => (typeof json === 'string' ? Number(json) : (json as number | null)),
});
