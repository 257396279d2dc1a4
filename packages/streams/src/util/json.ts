/** A JSON value: what state backends and changelogs store. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** How a state value becomes JSON and back. Plain JSON values need none. */
export interface Codec<T> {
  encode(value: T): Json;
  decode(json: Json): T;
}

/** The codec for values that already are JSON (numbers, strings, plain objects and arrays). */
export const jsonCodec: Codec<never> = Object.freeze({
  encode: (value: never): Json => value,
  decode: (json: Json): never => json as never,
});
