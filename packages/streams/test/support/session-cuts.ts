/** A session as the README defines it: from its first record's time to its last's, and how many records. */
export interface ModelSession {
  readonly start: number;
  readonly end: number;
  readonly count: number;
}

/**
 * The sessions of one key, written the obvious way for the tests' models: sort the times of its
 * records that are not late, and cut where two neighbours are more than the gap apart.
 */
export function cutSessions(times: readonly number[], gapMs: number): ModelSession[] {
  const ts = [...times].sort((a, b) => a - b);
  const sessions: ModelSession[] = [];
  let start = ts[0]!;
  let count = 0;
  for (const [i, t] of ts.entries()) {
    if (i > 0 && t - ts[i - 1]! > gapMs) {
      sessions.push({ start, end: ts[i - 1]!, count });
      start = t;
      count = 0;
    }
    count++;
  }
  if (ts.length > 0) sessions.push({ start, end: ts.at(-1)!, count });
  return sessions;
}
