/**
 * A copy of `value` that nothing else holds: primitives as they are, objects cloned (their
 * prototypes are not kept: records and results are data). Used where a live object would
 * otherwise escape: an accumulator that later records mutate, a record's value that other
 * windows and branches share.
 */
export function ownCopy<V>(value: V): V {
  return typeof value === 'object' && value !== null ? structuredClone(value) : value;
}
