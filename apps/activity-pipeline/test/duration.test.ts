import { durationWithUnit } from '../src/duration';

describe('durationWithUnit (the settings and verify --timeout)', () => {
  it('reads a duration with its unit, and a bare 0', () => {
    expect(durationWithUnit('30s', 'X')).toBe(30_000);
    expect(durationWithUnit(' 1h30m ', 'X')).toBe(5_400_000);
    expect(durationWithUnit('0', 'X')).toBe(0);
  });

  it('refuses bare digits (not milliseconds) and anything else, naming the setting', () => {
    expect(() => durationWithUnit('30', '--timeout')).toThrow(new RangeError("--timeout must be a duration like 500ms, 30s, 2m or 1h, got '30'"));
    expect(() => durationWithUnit('soon', 'SESSION_TIMEOUT')).toThrow("SESSION_TIMEOUT must be a duration like 500ms, 30s, 2m or 1h, got 'soon'");
    expect(() => durationWithUnit('', 'X')).toThrow(RangeError);
  });

  it('says why a fraction of a millisecond is refused, naming the setting', () => {
    expect(() => durationWithUnit('0.5ms', 'WATERMARK_DELAY')).toThrow("WATERMARK_DELAY must come to whole milliseconds, got '0.5ms' (0.5 ms)");
    expect(durationWithUnit('0.27m', 'X')).toBe(16_200);
  });
});
