/**
 * Durations in the DSL are either milliseconds or a string such as `'500ms'`, `'30s'`, `'2m'`,
 * `'1h'`, `'1d'` or a sum of those (`'1h30m'`).
 */
export type Duration = number | `${number}${DurationUnit}${string}`;
type DurationUnit = 'ms' | 's' | 'm' | 'h' | 'd';

const UNIT_MS: Record<DurationUnit, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/y;

/**
 * Parses a {@link Duration} to milliseconds.
 * @throws RangeError naming `what` when the text is not a duration, or is negative.
 * @example parseDuration('1h30m') // 5_400_000
 */
export function parseDuration(value: Duration | string, what = 'duration'): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) throw new RangeError(`${what} must be a non-negative number of milliseconds, got ${value}`);
    return value;
  }
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text);
  let total = 0;
  PART.lastIndex = 0;
  let matched = 0;
  while (PART.lastIndex < text.length) {
    const m = PART.exec(text);
    if (!m) break;
    total += Number(m[1]) * UNIT_MS[m[2] as DurationUnit];
    matched = PART.lastIndex;
  }
  if (text.length === 0 || matched !== text.length) {
    throw new RangeError(`${what} must be a duration like '500ms', '30s', '2m', '1h' or '1h30m', got '${value}'`);
  }
  // Decimals multiply in binary floating point ('0.27m' is 16200.000000000002): a window size or
  // advance must be whole milliseconds, or its boundaries are neither the records' nor the sinks'.
  const whole = Math.round(total);
  if (Math.abs(total - whole) > 1e-9 * Math.max(1, total)) {
    throw new RangeError(`${what} must come to whole milliseconds, got '${value}' (${total} ms)`);
  }
  return whole;
}

/** Formats milliseconds the way `parseDuration` reads them, e.g. 90_000 → '1m30s'. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0ms';
  let rest = ms;
  let out = '';
  for (const unit of ['d', 'h', 'm', 's', 'ms'] as const) {
    const size = UNIT_MS[unit];
    const n = Math.floor(rest / size);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * size;
    }
  }
  return out;
}
