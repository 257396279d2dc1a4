/** A JSON value: what state backends and changelogs store. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** How a state value becomes JSON and back. Plain JSON values need none. */
export interface Codec<T> {
  encode(value: T): Json;
  decode(json: Json): T;
}

/**
 * How a large value made of many parts (a set of distinct users) is saved part by part: a commit
 * then writes the parts that changed, not the whole value again. Window stores use it.
 */
export interface EntriesCodec<T> {
  /** Parts added or changed since the last call (null: removed), keyed by a string; resets that list. */
  takeChanges(value: T): Iterable<readonly [string, Json | null]>;
  /** Every part of the value. */
  entries(value: T): Iterable<readonly [string, Json]>;
  /** The value made of these parts, with no pending changes. */
  fromEntries(entries: Iterable<readonly [string, Json]>): T;
}

export type StateCodec<T> = Codec<T> | EntriesCodec<T>;

export function isEntriesCodec<T>(codec: StateCodec<T>): codec is EntriesCodec<T> {
  return 'takeChanges' in codec;
}

/** A whole-value codec for places that store a value in one piece (a value inside a session). */
export function wholeValueCodec<T>(codec: StateCodec<T>): Codec<T> {
  if (!isEntriesCodec(codec)) return codec;
  return {
    encode: (value) => {
      // The whole value is saved: its pending changes are in it. Taken, or their list (a
      // countDistinct's new values) would grow for as long as the value lives.
      for (const _ of codec.takeChanges(value));
      return [...codec.entries(value)].map(([k, v]) => [k, v]);
    },
    decode: (json) => codec.fromEntries(json as Array<[string, Json]>),
  };
}

/** The codec for values that already are JSON (numbers, strings, plain objects and arrays). */
export const jsonCodec: Codec<never> = Object.freeze({
  encode: (value: never): Json => value,
  decode: (json: Json): never => json as never,
});
