import { parseCommandLine, type CliOutput } from '../src/cli';

// A number on the command line is written in plain decimal. The checks trimmed the value and let
// Number() read it: `--rate 1e3` ran at 1,000 events/s, `--abandon-rate 1e-1` was 0.1, `--count
// ' 5'` was 5, and `--count 010` or `--seed 010` was 10 (in C, a shell's $((…)) or old JavaScript
// it is 8). Every numeric option now goes through one reader that takes digits, and for --rate and
// --abandon-rate a decimal fraction (0.5), and refuses anything else, naming the option.

function run(...argv: string[]) {
  let err = '';
  const output: CliOutput = { writeOut: () => {}, writeErr: (t) => (err += t) };
  return { result: parseCommandLine(argv, output), err };
}

it.each([
  ['--rate', '1e3', 'a positive number'],
  ['--rate', ' 5', 'a positive number'],
  ['--rate', '010', 'a positive number'],
  ['--rate', '.5', 'a positive number'],
  ['--rate', '5.', 'a positive number'],
  ['--count', '010', 'a positive integer'],
  ['--count', '5 ', 'a positive integer'],
  ['--users', '0x10', 'a positive integer up to 10000000'],
  ['--pages', '2e1', 'a positive integer up to 10000000'],
  ['--seed', '010', 'an integer from 0 to 4294967295'],
  ['--seed', ' 7', 'an integer from 0 to 4294967295'],
  ['--late-every', '0o10', 'an integer, 0 or more'],
  ['--late-every', '00', 'an integer, 0 or more'],
  ['--invalid-every', '1e2', 'an integer, 0 or more'],
  ['--abandon-rate', '1e-1', 'a number from 0 to 1'],
  ['--abandon-rate', ' 0.5', 'a number from 0 to 1'],
  ['--duration', '010', 'a duration like 30s, 5m or 1h, more than 0'],
  ['--duration', '05m', 'a duration like 30s, 5m or 1h, more than 0'],
  ['--late-by', ' 30', 'a duration like 30s, 5m or 1h'],
  ['--away', '35m ', 'a duration like 30s, 5m or 1h'],
])('%s %j is refused with exit code 2, naming the option', (option, value, expected) => {
  const { result, err } = run(option, value);
  expect(result).toEqual({ kind: 'exit', code: 2 });
  expect(err).toContain(`error: ${option} must be ${expected}, got '${value}'`);
});

it('takes digits, and a decimal fraction for --rate, --abandon-rate and durations', () => {
  const { result } = run(
    ...['--rate', '0.5', '--count', '10', '--users', '7', '--pages', '3', '--seed', '0', '--late-every', '0', '--invalid-every', '100', '--abandon-rate', '0.25'],
    ...['--duration', '1.5', '--late-by', '0s', '--away', '1h30m'],
  );
  expect(result).toMatchObject({
    kind: 'run',
    options: { rate: 0.5, count: 10, users: 7, pages: 3, seed: 0, lateEvery: 0, invalidEvery: 100, abandonRate: 0.25, durationMs: 1500, lateByMs: 0, awayMs: 5_400_000 },
  });
});

it('--help says which forms a number takes', () => {
  let out = '';
  parseCommandLine(['--help'], { writeOut: (t) => (out += t), writeErr: () => {} });
  expect(out).toContain('Numbers are plain decimal');
});
