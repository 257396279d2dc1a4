/**
 * Why a value cannot be a record's key, or `undefined` when it can. Keys are saved (state stores,
 * changelogs) and sent (repartition topics) as JSON, which writes NaN, Infinity and -Infinity
 * all as `null`: three keys, and the null key, would become one after a restart or a
 * repartition, their state merged or a timer firing for the wrong key. So a key is a string, a
 * finite number or null.
 * @example keyProblem(Number('abc')) // 'NaN is not a finite number: ...'
 */
export function keyProblem(key: unknown): string | undefined {
  if (typeof key === 'string' || key === null) return undefined;
  if (typeof key === 'number') {
    return Number.isFinite(key) ? undefined : `${key} is not a finite number: keys are saved and sent as JSON, which writes NaN and ±Infinity as null`;
  }
  return `a key is a string, a finite number or null, not ${key === undefined ? 'undefined' : typeof key}`;
}

/**
 * The key a groupBy's function gave, if it can be one. A key function that gives NaN from a record
 * its source's schema accepted is the application's bug: it fails the app, naming the groupBy,
 * rather than merge that record's key with others after a restart.
 * @example forward({ ...r, key: checkedKey(node.name, selector(r.value)) });
 */
export function checkedKey(groupBy: string, key: unknown): never {
  const problem = keyProblem(key);
  if (problem !== undefined) throw new TypeError(`${groupBy}: the key function gave ${String(key)} for a record; ${problem}`);
  return key as never;
}
