import { formatDuration, parseDuration } from '../src/duration';

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h30m', 5_400_000],
    ['1.5s', 1500],
    ['2d', 172_800_000],
    ['90', 90_000],
    ['0s', 0],
  ])('%s is %d ms', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['', 'abc', '5 minutes', '-1s', 's', '5x', '1m-2s'])('rejects %j', (text) => expect(parseDuration(text)).toBeUndefined());
});

describe('formatDuration', () => {
  it.each([
    [850, '850ms'],
    [12_340, '12.3s'],
    [245_000, '4m05s'],
    [3_720_000, '1h02m'],
  ])('%d ms is %s', (ms, text) => expect(formatDuration(ms)).toBe(text));
});
