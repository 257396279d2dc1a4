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
});
