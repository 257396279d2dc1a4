/**
 * `new Date().toISOString()` for every event costs about a microsecond; the wall clock only moves
 * once per millisecond. This returns the current time as ISO 8601, formatting it again only when
 * the millisecond changed.
 */
export function processingTimeClock(now: () => number): () => string {
  let lastMs = Number.NaN;
  let lastIso = '';
  return () => {
    const ms = now();
    if (ms !== lastMs) {
      lastMs = ms;
      lastIso = new Date(ms).toISOString();
    }
    return lastIso;
  };
}
