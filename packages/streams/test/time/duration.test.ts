import { formatDuration, hopping, parseDuration } from '../../src';

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['1h30m', 5_400_000],
    ['1.5s', 1_500],
    ['250', 250],
  ])('reads %s as %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it('gives whole milliseconds for decimals that binary floating point cannot multiply exactly', () => {
    // 0.27 * 60,000 is 16200.000000000002 in floating point; 0.07 * 3,600,000 is 252000.00000000003.
    expect(parseDuration('0.27m')).toBe(16_200);
    expect(parseDuration('0.07h')).toBe(252_000);
    expect(parseDuration('0.54m')).toBe(32_400);
  });

  it('refuses a duration that is not whole milliseconds, naming it', () => {
    expect(() => parseDuration('1.5ms', 'grace')).toThrow("grace must come to whole milliseconds, got '1.5ms' (1.5 ms)");
    expect(() => parseDuration('0.0001s')).toThrow(RangeError);
  });

  it('formats what it reads', () => {
    expect(formatDuration(parseDuration('1h30m'))).toBe('1h30m');
  });
});

describe('window boundaries from decimal durations', () => {
  it('a hopping window of 0.54m every 0.27m has whole-millisecond boundaries', () => {
    const windows = hopping({ size: '0.54m', advance: '0.27m' });
    expect([windows.size, windows.advance]).toEqual([32_400, 16_200]);
  });
});
