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
    ['0.5s', 500],
    ['1m0s', 60_000],
  ])('%s is %d ms', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['', 'abc', '5 minutes', '-1s', 's', '5x', '1m-2s'])('rejects %j', (text) => expect(parseDuration(text)).toBeUndefined());

  // Its numbers follow the rule of every numeric option (plain decimal): they were trimmed and read
  // with a leading zero, so --duration 010 ran 10 s where --count 010 was refused.
  it.each(['010', '05m', '00', ' 30', '35m ', '1.', '.5s', '1e3', '+5s', `${'9'.repeat(400)}s`, '1h005m'])('refuses %j, which is not plain decimal or not finite', (text) =>
    expect(parseDuration(text)).toBeUndefined(),
  );

  // The summary prints elapsed times as 4m05s and 1h05m: a run's own output is a valid --duration.
  it.each([245_000, 3_900_000, 60_000, 3_600_000])('reads back what formatDuration prints for %d ms', (ms) =>
    expect(parseDuration(formatDuration(ms))).toBe(ms),
  );
});

describe('formatDuration', () => {
  it.each([
    [850, '850ms'],
    [12_340, '12.3s'],
    [245_000, '4m05s'],
    [3_720_000, '1h02m'],
  ])('%d ms is %s', (ms, text) => expect(formatDuration(ms)).toBe(text));
});
