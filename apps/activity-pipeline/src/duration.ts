import { parseDuration } from '@pipeline/streams';

/**
 * Milliseconds of a duration written with its unit (500ms, 30s, 2m, 1h30m; a bare 0 needs none),
 * or a RangeError naming `name`. parseDuration alone reads bare digits as milliseconds, so
 * SESSION_TIMEOUT=30 or `verify --timeout 30` would mean 30 ms. The settings (`loadConfig`) and
 * verify's `--timeout` read durations through this one check.
 * @example durationWithUnit('2m', 'WATERMARK_DELAY') // 120000
 */
export function durationWithUnit(value: string, name: string): number {
  const text = value.trim();
  try {
    if (/^\d+$/.test(text) && Number(text) !== 0) throw new RangeError('no unit');
    return parseDuration(text, name);
  } catch (error) {
    // parseDuration's own refusal of a fraction of a millisecond ('0.5ms') says more than the form.
    if (error instanceof RangeError && error.message.includes('whole milliseconds')) throw error;
    throw new RangeError(`${name} must be a duration like 500ms, 30s, 2m or 1h, got '${value}'`);
  }
}
