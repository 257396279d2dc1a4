const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
/** A number as every numeric option takes it: plain decimal, no sign, exponent or leading zero (0.5 and 0 aside). */
const NUMBER = '(?:0|[1-9]\\d*)(?:\\.\\d+)?';
const SECONDS = new RegExp(`^${NUMBER}$`);
/** After a unit, two digits may start with 0, as a clock writes them and formatDuration prints them: `4m05s`, `1h05m`. */
const AFTER_A_UNIT = '(?:0\\d|0|[1-9]\\d*)(?:\\.\\d+)?';
const DURATION = new RegExp(`^${NUMBER}(?:ms|s|m|h|d)(?:${AFTER_A_UNIT}(?:ms|s|m|h|d))*$`);
const PART = new RegExp(`(${AFTER_A_UNIT})(ms|s|m|h|d)`, 'g');

/**
 * Milliseconds of a duration such as `500ms`, `30s`, `5m`, `1h30m`, or a bare number of seconds;
 * undefined when `text` is none of these. Its numbers are plain decimal, as the other options':
 * no spaces around it, no sign, exponent or leading zero (`010`, `05m` are refused), except two
 * digits after a unit (`4m05s`, `1h05m`), so that what formatDuration prints is read back.
 * @example parseDuration('1m30s'); // 90000
 */
export function parseDuration(text: string): number | undefined {
  let ms: number;
  if (SECONDS.test(text)) ms = Number(text) * 1000;
  else if (DURATION.test(text)) {
    ms = 0;
    for (const [, amount, unit] of text.matchAll(PART)) ms += Number(amount) * UNIT_MS[unit!]!;
  } else return undefined;
  return Number.isFinite(ms) ? ms : undefined;
}

/** A short human form: `850ms`, `12.3s`, `4m05s`, `1h02m`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
