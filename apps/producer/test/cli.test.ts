import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseCommandLine, type CliOutput } from '../src/cli';
import { UsageError, validateOptions } from '../src/options';

function run(...argv: string[]) {
  let out = '';
  let err = '';
  const output: CliOutput = { writeOut: (t) => (out += t), writeErr: (t) => (err += t) };
  return { result: parseCommandLine(argv, output), out, err };
}

function usageError(raw: Parameters<typeof validateOptions>[0]): string {
  try {
    validateOptions(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error('expected a UsageError');
}

describe('validateOptions', () => {
  it('applies the defaults', () => {
    const o = validateOptions({});
    expect(o).toMatchObject({
      rate: 10,
      durationMs: undefined,
      count: undefined,
      users: 1000,
      pages: 20,
      brokers: '127.0.0.1:9092',
      topic: 'user_activity',
      randomSeed: true,
      startTime: undefined,
      lateEvery: 50,
      lateByMs: 180_000,
      invalidEvery: 0,
      abandonRate: 0.1,
      awayMs: 35 * 60_000,
      logFormat: undefined,
    });
    expect(Number.isInteger(o.seed)).toBe(true);
  });

  it('reads every option', () => {
    const o = validateOptions({
      rate: '2.5',
      duration: '1m30s',
      count: '500',
      users: '7',
      pages: '3',
      brokers: 'a:1, b:2',
      topic: 'my.topic_1',
      seed: '0',
      startTime: '2024-01-01T00:00:00Z',
      lateEvery: '0',
      lateBy: '30s',
      invalidEvery: '9',
      abandonRate: '1',
      away: '0s',
      logFormat: 'json',
      logLevel: 'debug',
    });
    expect(o).toEqual({
      rate: 2.5,
      durationMs: 90_000,
      count: 500,
      users: 7,
      pages: 3,
      brokers: 'a:1, b:2',
      topic: 'my.topic_1',
      seed: 0,
      randomSeed: false,
      startTime: Date.UTC(2024, 0, 1),
      lateEvery: 0,
      lateByMs: 30_000,
      invalidEvery: 9,
      abandonRate: 1,
      awayMs: 0,
      logFormat: 'json',
      logLevel: 'debug',
    });
  });

  it.each([
    [{ rate: 'abc' }, "--rate must be a positive number, got 'abc'"],
    [{ rate: '0' }, "--rate must be a positive number, got '0'"],
    [{ rate: '-5' }, "--rate must be a positive number, got '-5'"],
    [{ duration: 'soon' }, "--duration must be a duration like 30s, 5m or 1h, more than 0, got 'soon'"],
    [{ duration: '0s' }, '--duration must be'],
    [{ count: '1.5' }, "--count must be a positive integer, got '1.5'"],
    [{ count: '0' }, '--count must be a positive integer'],
    [{ users: 'many' }, "--users must be a positive integer up to 10000000, got 'many'"],
    [{ pages: '0' }, '--pages must be a positive integer'],
    [{ brokers: 'localhost' }, "--brokers must be a comma-separated list of host:port (port 1-65535), got 'localhost'"],
    [{ topic: 'bad topic' }, '--topic must be a Kafka topic name'],
    [{ seed: '-1' }, "--seed must be an integer from 0 to 4294967295, got '-1'"],
    [{ seed: '4294967296' }, '--seed must be an integer'],
    [{ startTime: 'yesterday' }, "--start-time must be an ISO 8601 time such as 2024-01-01T00:00:00Z, got 'yesterday'"],
    [{ startTime: '2024-02-30T00:00:00Z' }, '--start-time must be'],
    [{ lateEvery: '-1' }, "--late-every must be an integer, 0 or more, got '-1'"],
    [{ lateBy: '3 minutes' }, "--late-by must be a duration like 30s, 5m or 1h, got '3 minutes'"],
    [{ invalidEvery: 'x' }, '--invalid-every must be an integer, 0 or more'],
    [{ abandonRate: '1.1' }, "--abandon-rate must be a number from 0 to 1, got '1.1'"],
    [{ abandonRate: 'half' }, '--abandon-rate must be a number from 0 to 1'],
    [{ away: 'forever' }, '--away must be a duration'],
    [{ logFormat: 'xml' }, "--log-format must be json or pretty, got 'xml'"],
    [{ logLevel: 'WARN' }, "--log-level (or env LOG_LEVEL) must be one of error, warn, info, debug, got 'WARN'"],
  ])('rejects %j: %s', (raw, message) => {
    expect(usageError(raw)).toContain(message);
  });

  it('refuses a broker port outside 1-65535 (librdkafka took 127.0.0.1:90920 as port 25384: 10 s of retries, then exit 1 as unreachable)', () => {
    expect(usageError({ brokers: '127.0.0.1:90920' })).toBe("--brokers must be a comma-separated list of host:port (port 1-65535), got '127.0.0.1:90920'");
    expect(usageError({ brokers: 'a:9092,b:0' })).toContain('--brokers must be');
    expect(validateOptions({ brokers: 'a:1,b:65535' }).brokers).toBe('a:1,b:65535');
  });

  it('refuses --users or --pages the generator cannot hold (--users 5000000000 was taken, then crashed with RangeError: Invalid array length after connecting, exit 1)', () => {
    expect(usageError({ users: '5000000000' })).toBe("--users must be a positive integer up to 10000000, got '5000000000'");
    expect(usageError({ pages: '50000000' })).toBe("--pages must be a positive integer up to 10000000, got '50000000'");
    expect(validateOptions({ users: '10000000', pages: '10000000' })).toMatchObject({ users: 10_000_000, pages: 10_000_000 });
  });

  it("refuses the topic names '.' and '..', which Kafka refuses (they were taken: 4 s of metadata retries, then exit 1 and 'does not exist … create it'); takes other names with dots", () => {
    expect(usageError({ topic: '.' })).toBe("--topic must be a Kafka topic name (letters, digits, '.', '_', '-'; not '.' or '..'), got '.'");
    expect(usageError({ topic: '..' })).toContain("--topic must be a Kafka topic name");
    for (const name of ['...', '.a', 'a..b', '_']) expect(validateOptions({ topic: name }).topic).toBe(name);
    for (const name of ['.', '..']) {
      const { result, err } = run('--count', '1', '--topic', name);
      expect(result).toEqual({ kind: 'exit', code: 2 });
      expect(err).toContain("error: --topic must be a Kafka topic name");
    }
  });

  it('lists every bad option at once', () => {
    expect(usageError({ rate: 'x', users: '-3' }).split('\n')).toEqual([
      "--rate must be a positive number, got 'x'",
      "--users must be a positive integer up to 10000000, got '-3'",
    ]);
  });
});

describe('parseCommandLine', () => {
  it('prints help with every option and exits 0', () => {
    const { result, out } = run('--help');
    expect(result).toEqual({ kind: 'exit', code: 0 });
    for (const flag of ['--rate', '--duration', '--count', '--users', '--pages', '--brokers', '--topic', '--seed', '--start-time', '--late-every', '--late-by', '--invalid-every', '--abandon-rate', '--log-format']) {
      expect(out).toContain(flag);
    }
    expect(out).toContain('env: KAFKA_BROKERS');
    expect(out).toContain('(default: 10)');
  });

  it('exits 2 naming the option on a bad value', () => {
    const { result, err } = run('--rate', 'abc');
    expect(result).toEqual({ kind: 'exit', code: 2 });
    expect(err).toContain("error: --rate must be a positive number, got 'abc'");
  });

  it('exits 2 naming LOG_LEVEL or --log-level, whichever set a level winston does not know (it would log nothing, errors included); trims it, empty is info', () => {
    const before = process.env.LOG_LEVEL;
    process.env.LOG_LEVEL = 'WARN';
    try {
      const { result, err } = run('--count', '1');
      expect(result).toEqual({ kind: 'exit', code: 2 });
      expect(err).toContain("error: LOG_LEVEL must be one of error, warn, info, debug, got 'WARN'");
      process.env.LOG_LEVEL = 'warn';
      expect(run('--count', '1').result).toMatchObject({ kind: 'run', options: { logLevel: 'warn' } });
      // --log-level wins, and a message about it names it, not the environment.
      expect(run('--count', '1', '--log-level', 'Debug')).toMatchObject({
        result: { kind: 'exit', code: 2 },
        err: expect.stringContaining("error: --log-level must be one of error, warn, info, debug, got 'Debug'"),
      });
      // Trimmed, and empty is the default, as the pipeline reads LOG_LEVEL (one .env serves both).
      process.env.LOG_LEVEL = ' debug ';
      expect(run('--count', '1').result).toMatchObject({ kind: 'run', options: { logLevel: 'debug' } });
      process.env.LOG_LEVEL = '';
      expect(run('--count', '1').result).toMatchObject({ kind: 'run', options: { logLevel: 'info' } });
      expect(run('--count', '1', '--log-level', ' warn').result).toMatchObject({ kind: 'run', options: { logLevel: 'warn' } });
    } finally {
      if (before === undefined) delete process.env.LOG_LEVEL;
      else process.env.LOG_LEVEL = before;
    }
  });

  it('exits 2 on an unknown option or a missing value', () => {
    expect(run('--rat', '5')).toMatchObject({ result: { kind: 'exit', code: 2 }, err: expect.stringContaining("unknown option '--rat'") });
    expect(run('--rate')).toMatchObject({ result: { kind: 'exit', code: 2 }, err: expect.stringContaining('--rate') });
  });

  it('skips the `--` that `pnpm start -- …` passes on', () => {
    const { result } = run('--', '--rate', '50', '--count', '10', '--seed', '3');
    expect(result).toMatchObject({ kind: 'run', options: { rate: 50, count: 10, seed: 3 } });
  });

  it('takes the brokers and topic from the environment, options first', () => {
    const saved = { brokers: process.env.KAFKA_BROKERS, topic: process.env.INPUT_TOPIC };
    process.env.KAFKA_BROKERS = 'kafka:19092';
    process.env.INPUT_TOPIC = 'from_env';
    try {
      expect(run().result).toMatchObject({ options: { brokers: 'kafka:19092', topic: 'from_env' } });
      expect(run('--topic', 'from_flag').result).toMatchObject({ options: { topic: 'from_flag' } });
    } finally {
      restore('KAFKA_BROKERS', saved.brokers);
      restore('INPUT_TOPIC', saved.topic);
    }
  });
});

describe('KAFKA_BROKERS and INPUT_TOPIC', () => {
  it('a bad value from the environment is named as the variable, a bad flag as the flag; empty is the default, as the pipeline reads them (one .env serves both)', () => {
    const saved = { brokers: process.env.KAFKA_BROKERS, topic: process.env.INPUT_TOPIC };
    try {
      process.env.KAFKA_BROKERS = 'kafka';
      process.env.INPUT_TOPIC = 'bad topic';
      const fromEnv = run('--count', '1');
      expect(fromEnv.result).toEqual({ kind: 'exit', code: 2 });
      expect(fromEnv.err).toContain("error: KAFKA_BROKERS must be a comma-separated list of host:port (port 1-65535), got 'kafka'");
      expect(fromEnv.err).toContain("error: INPUT_TOPIC must be a Kafka topic name (letters, digits, '.', '_', '-'; not '.' or '..'), got 'bad topic'");
      // The flags win, and a message about one names it, not the environment.
      const fromFlags = run('--count', '1', '--brokers', 'kafka:', '--topic', 'a/b');
      expect(fromFlags.err).toContain("error: --brokers must be a comma-separated list of host:port (port 1-65535), got 'kafka:'");
      expect(fromFlags.err).toContain("error: --topic must be a Kafka topic name (letters, digits, '.', '_', '-'; not '.' or '..'), got 'a/b'");
      expect(fromFlags.err).not.toMatch(/KAFKA_BROKERS|INPUT_TOPIC/);
      process.env.KAFKA_BROKERS = '';
      process.env.INPUT_TOPIC = ' ';
      expect(run('--count', '1').result).toMatchObject({ kind: 'run', options: { brokers: '127.0.0.1:9092', topic: 'user_activity' } });
    } finally {
      restore('KAFKA_BROKERS', saved.brokers);
      restore('INPUT_TOPIC', saved.topic);
    }
  });
});

function restore(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}

describe('the examples of --help and the README', () => {
  const readme = readFileSync(resolve(__dirname, '../README.md'), 'utf8');
  const fromHelp = run('--help')
    .out.split('\n')
    .filter((line) => line.startsWith('  $ producer '))
    .map((line) => line.slice('  $ producer '.length).split(/\s{2,}/)[0]!);
  const fromReadme = readme
    .split('\n')
    .filter((line) => line.startsWith('pnpm --filter producer start -- '))
    .map((line) => line.slice('pnpm --filter producer start -- '.length).split('#')[0]!);
  const examples = [...fromHelp, ...fromReadme].map((line) => line.trim()).filter((line) => line !== '--help');

  it('are found', () => {
    expect(fromHelp.length).toBeGreaterThanOrEqual(5);
    expect(fromReadme.length).toBeGreaterThanOrEqual(5);
  });

  // '--seed 7 --start-time 2024-01-01T00:00:00Z --count 100000' ran at the default 10 events/s: 2 h 47 min.
  it.each(examples)('%s: valid, and with --count, sent within 10 minutes at its rate', (example) => {
    const { result } = run(...example.split(/\s+/));
    if (result.kind !== 'run') throw new Error(`'${example}' is refused`);
    if (result.options.count !== undefined) expect(result.options.count / result.options.rate).toBeLessThanOrEqual(600);
  });
});
