import { randomInt } from 'node:crypto';
import { parseDuration } from './duration';
import { SIMULATION_DEFAULTS } from './simulation/options';

export type LogFormat = 'json' | 'pretty';
export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Validated settings of one producer run. */
export interface ProducerOptions {
  /** Events per second. */
  readonly rate: number;
  /** Stop after this long (ms); undefined: until Ctrl-C or `count`. */
  readonly durationMs: number | undefined;
  /** Stop after this many records; undefined: until Ctrl-C or `durationMs`. */
  readonly count: number | undefined;
  readonly users: number;
  readonly pages: number;
  readonly brokers: string;
  readonly topic: string;
  readonly seed: number;
  /** The seed was drawn at random (no `--seed`): logged so the run can be replayed. */
  readonly randomSeed: boolean;
  /** Virtual event time of the first record (epoch ms); undefined: wall clock. */
  readonly startTime: number | undefined;
  readonly lateEvery: number;
  readonly lateByMs: number;
  readonly invalidEvery: number;
  readonly abandonRate: number;
  readonly awayMs: number;
  /** undefined: `pretty` (progress bar) when stderr is a terminal, else `json`. */
  readonly logFormat: LogFormat | undefined;
  readonly logLevel: LogLevel;
}

/** The options as commander hands them over: strings, or undefined when absent. */
export type RawOptions = Readonly<Partial<Record<keyof typeof OPTION_NAMES, string>>>;

/** Each field and the command-line option that sets it, for messages. */
export const OPTION_NAMES = {
  rate: '--rate',
  duration: '--duration',
  count: '--count',
  users: '--users',
  pages: '--pages',
  brokers: '--brokers',
  topic: '--topic',
  seed: '--seed',
  startTime: '--start-time',
  lateEvery: '--late-every',
  lateBy: '--late-by',
  invalidEvery: '--invalid-every',
  abandonRate: '--abandon-rate',
  away: '--away',
  logFormat: '--log-format',
  logLevel: '--log-level',
} as const;

/** Defaults, as shown by `--help` and applied when an option is absent. */
export const OPTION_DEFAULTS = {
  rate: '10',
  users: String(SIMULATION_DEFAULTS.users),
  pages: String(SIMULATION_DEFAULTS.pages),
  brokers: '127.0.0.1:9092',
  topic: 'user_activity',
  lateEvery: String(SIMULATION_DEFAULTS.lateEvery),
  lateBy: '3m',
  invalidEvery: String(SIMULATION_DEFAULTS.invalidEvery),
  abandonRate: String(SIMULATION_DEFAULTS.abandonRate),
  away: '35m',
  logLevel: 'info',
} as const satisfies RawOptions;

/** Bad command-line input: main prints the message and exits with code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Most --users or --pages: the generator keeps each in memory (10 million users: ~1.2 GB, 4 s to build). */
export const MAX_POOL = 10_000_000;
const WHOLE = /^(?:0|[1-9]\d*)$/;
const DECIMAL = /^(?:0|[1-9]\d*)(?:\.\d+)?$/;
const BROKER = /^[^\s,:]+:\d{1,5}$/;
const TOPIC = /^[A-Za-z0-9._-]{1,249}$/;
const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2})$/;

/** The options an environment variable can set too, and that variable. */
export const OPTION_ENV = { brokers: 'KAFKA_BROKERS', topic: 'INPUT_TOPIC', logLevel: 'LOG_LEVEL' } as const;

/**
 * Where a value came from, as commander's `getOptionValueSource` says: `cli` (the flag), `env`
 * (its variable), `default`; undefined when not known.
 */
export type ValueSource = 'cli' | 'env' | 'default' | undefined;
export type ValueSources = Readonly<Partial<Record<keyof typeof OPTION_ENV, ValueSource>>>;

/**
 * Checks every option and returns the settings, or throws a {@link UsageError} listing each bad
 * value with the option it came from, e.g. `--rate must be a positive number, got 'abc'`, or
 * `KAFKA_BROKERS must be …` when `sources` says the environment gave it.
 */
export function validateOptions(raw: RawOptions, sources: ValueSources = {}): ProducerOptions {
  const problems: string[] = [];
  const v = { ...OPTION_DEFAULTS, ...definedOnly(raw) };
  const nameOf = (field: keyof typeof OPTION_ENV, unknown: string) =>
    sources[field] === 'cli' ? OPTION_NAMES[field] : sources[field] === 'env' ? OPTION_ENV[field] : unknown;
  const names: Record<keyof typeof OPTION_NAMES, string> = {
    ...OPTION_NAMES,
    brokers: nameOf('brokers', OPTION_NAMES.brokers),
    topic: nameOf('topic', OPTION_NAMES.topic),
    logLevel: nameOf('logLevel', '--log-level (or env LOG_LEVEL)'),
  };
  const fail = (field: keyof typeof OPTION_NAMES, expected: string): undefined => {
    problems.push(`${names[field]} must be ${expected}, got '${v[field] ?? ''}'`);
    return undefined;
  };
  const positiveNumber = (field: 'rate') => {
    const n = plainNumber(v[field], true);
    return n !== undefined && n > 0 ? n : fail(field, 'a positive number');
  };
  const integer = (field: keyof typeof OPTION_NAMES, min: number, max = Number.MAX_SAFE_INTEGER) => {
    const n = plainNumber(v[field] ?? '');
    const expected = (min > 0 ? 'a positive integer' : 'an integer, 0 or more') + (max < Number.MAX_SAFE_INTEGER ? ` up to ${max}` : '');
    return n !== undefined && n >= min && n <= max ? n : fail(field, expected);
  };
  const duration = (field: 'duration' | 'lateBy' | 'away', min: number) => {
    const ms = parseDuration(v[field] ?? '');
    return ms !== undefined && ms >= min ? ms : fail(field, `a duration like 30s, 5m or 1h${min > 0 ? ', more than 0' : ''}`);
  };

  const rate = positiveNumber('rate');
  const durationMs = v.duration === undefined ? undefined : duration('duration', 1);
  const count = v.count === undefined ? undefined : integer('count', 1);
  // The generator holds every user and page (10 million users: ~1.2 GB); beyond an array's length it crashed.
  const users = integer('users', 1, MAX_POOL);
  const pages = integer('pages', 1, MAX_POOL);
  // Trimmed, and empty is the default, as the pipeline reads KAFKA_BROKERS and INPUT_TOPIC (one .env serves both apps).
  const brokersText = v.brokers.trim() || OPTION_DEFAULTS.brokers;
  // Each port 1-65535: librdkafka takes 127.0.0.1:90920 as port 25384 and retries it.
  const brokerOk = (b: string) => {
    const port = Number(b.slice(b.lastIndexOf(':') + 1));
    return BROKER.test(b) && port >= 1 && port <= 65535;
  };
  const brokers = brokersText.split(',').every((b) => brokerOk(b.trim())) ? brokersText : fail('brokers', 'a comma-separated list of host:port (port 1-65535)');
  const topicText = v.topic.trim() || OPTION_DEFAULTS.topic;
  // Kafka refuses '.' and '..' (InvalidTopicException): the run failed 4 s later, as a topic that does not exist.
  const topic = TOPIC.test(topicText) && topicText !== '.' && topicText !== '..' ? topicText : fail('topic', "a Kafka topic name (letters, digits, '.', '_', '-'; not '.' or '..')");
  let seed: number | undefined = randomInt(0, 2 ** 32);
  if (v.seed !== undefined) {
    const n = plainNumber(v.seed);
    seed = n !== undefined && n < 2 ** 32 ? n : fail('seed', 'an integer from 0 to 4294967295');
  }
  const startTime =
    v.startTime === undefined ? undefined : (parseIsoTime(v.startTime.trim()) ?? fail('startTime', 'an ISO 8601 time such as 2024-01-01T00:00:00Z'));
  const lateEvery = integer('lateEvery', 0);
  const lateByMs = duration('lateBy', 0);
  const invalidEvery = integer('invalidEvery', 0);
  const abandon = plainNumber(v.abandonRate, true);
  const abandonRate = abandon !== undefined && abandon <= 1 ? abandon : fail('abandonRate', 'a number from 0 to 1');
  const awayMs = duration('away', 0);
  const logFormat = v.logFormat === undefined || v.logFormat === 'json' || v.logFormat === 'pretty' ? v.logFormat : fail('logFormat', 'json or pretty');
  // An unknown level (LOG_LEVEL=WARN) would make winston drop every line, errors included. Trimmed,
  // and empty is the default, as the pipeline reads LOG_LEVEL (one .env serves both apps).
  const level = v.logLevel.trim() || OPTION_DEFAULTS.logLevel;
  const logLevel = (LOG_LEVELS as readonly string[]).includes(level) ? (level as LogLevel) : fail('logLevel', `one of ${LOG_LEVELS.join(', ')}`);

  if (problems.length > 0) throw new UsageError(problems.join('\n'));
  return {
    rate: rate!,
    durationMs,
    count,
    users: users!,
    pages: pages!,
    brokers: brokers!,
    topic: topic!,
    seed: seed!,
    randomSeed: v.seed === undefined,
    startTime,
    lateEvery: lateEvery!,
    lateByMs: lateByMs!,
    invalidEvery: invalidEvery!,
    abandonRate: abandonRate!,
    awayMs: awayMs!,
    logFormat,
    logLevel: logLevel!,
  };
}

/**
 * The number `text` writes in plain decimal: digits, without a sign or a leading zero (0 itself
 * aside), and with `fraction` a point and more digits (0.5); undefined for anything else, and for
 * a whole number beyond 2^53. Every numeric option is read through it: Number() also takes
 * '1e3', '0x10', '0o10', ' 5 ' and '' (0), and '010' would be 8 in C or a shell's $((…)).
 */
function plainNumber(text: string, fraction = false): number | undefined {
  if (!(fraction ? DECIMAL : WHOLE).test(text)) return undefined;
  const n = Number(text);
  return fraction ? (Number.isFinite(n) ? n : undefined) : Number.isSafeInteger(n) ? n : undefined;
}

/** Epoch ms of an ISO 8601 date-time with a zone, or undefined (also for a day that does not exist, e.g. Feb 30). */
function parseIsoTime(text: string): number | undefined {
  const m = ISO_TIME.exec(text);
  if (!m) return undefined;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (new Date(Date.UTC(year, month - 1, day)).getUTCDate() !== day) return undefined;
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? ms : undefined;
}

function definedOnly(raw: RawOptions): RawOptions {
  return Object.fromEntries(Object.entries(raw).filter(([, value]) => value !== undefined));
}
