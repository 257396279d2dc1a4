import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { PROCESSING_ERRORS, type ProcessingErrors } from '@pipeline/streams';
import { parseWholeNumber } from './whole-number';
import { durationWithUnit } from './duration';
import { redactedUrl } from './redacted-url';
import { probeWritableDir } from './writable-dir';

/** Every setting of the activity pipeline, read from the environment (and `.env`), checked at start. */
export interface Config {
  readonly kafkaBrokers: string;
  readonly applicationId: string;
  readonly inputTopic: string;
  readonly enrichedTopic: string;
  readonly deadLetterTopic: string;
  readonly databaseUrl: string;
  readonly lakeDir: string;
  readonly stateDir: string;
  readonly sessionStore: 'sqlite' | 'memory';
  readonly sessionCacheUsers: number;
  readonly sinkThreads: 'on' | 'off';
  readonly watermarkDelayMs: number;
  /** Undefined: MAX_TIME_AHEAD=off. */
  readonly maxTimeAheadMs: number | undefined;
  readonly sessionTimeoutMs: number;
  readonly idlePartitionTimeoutMs: number;
  readonly commitIntervalMs: number;
  readonly processingGuarantee: 'at_least_once' | 'exactly_once';
  readonly processingErrors: ProcessingErrors;
  readonly scaling: 'single-instance' | 'multi-instance';
  readonly instanceId: string | undefined;
  readonly autoOffsetReset: 'earliest' | 'latest';
  readonly httpPort: number;
  readonly statusIntervalMs: number;
  readonly logLevel: 'error' | 'warn' | 'info' | 'debug';
  readonly logFormat: 'json' | 'pretty';
}

/**
 * Every environment variable the pipeline reads, with its default and what it is for: `loadConfig`
 * takes its defaults from here and `--help` prints it (`.env.example` says more about each).
 */
export const SETTINGS = {
  KAFKA_BROKERS: { default: '127.0.0.1:9092', about: 'Kafka bootstrap servers, host:port[,host:port…]' },
  APPLICATION_ID: { default: 'activity-pipeline', about: 'consumer group, and prefix of internal topics and state' },
  INPUT_TOPIC: { default: 'user_activity', about: 'topic of the activity events' },
  ENRICHED_TOPIC: { default: 'enriched_activity', about: 'every valid event plus processing_time, keyed by user_id' },
  DEAD_LETTER_TOPIC: { default: 'user_activity_dlq', about: 'invalid events, with the reason' },
  DATABASE_URL: { default: 'postgres://postgres@127.0.0.1:5432/pipeline', about: 'PostgreSQL with the tables of init-db.sql' },
  LAKE_DIR: { default: './data/lake', about: 'root of the Parquet lake (event_date=YYYY-MM-DD/ partitions)' },
  STATE_DIR: { default: './data/state', about: 'durable state (windows, sessions) and its checkpoints' },
  SESSION_STORE: { default: 'sqlite', about: 'where open sessions and their timeouts live: sqlite (the recently active users in memory, the others in a spill file under STATE_DIR: bounded memory for any number of users), or memory (all on the heap: ~10 % faster, ~450 bytes a user)' },
  SESSION_CACHE_USERS: { default: '10000', about: 'with SESSION_STORE=sqlite, users per partition kept in memory' },
  SINK_THREADS: { default: 'on', about: 'on: the lake and user_sessions sinks encode and write in a thread of their own, on another core than the processing (12-35 % more throughput on 2 cores, ~35 MB more memory); off: everything on one thread' },
  WATERMARK_DELAY: { default: '2m', about: 'how late an event may be and still count' },
  MAX_TIME_AHEAD: { default: '10m', about: "events whose event_time is further ahead of their Kafka timestamp (or of this machine's clock, if earlier) are dead-lettered; keep it well under the broker's log.message.timestamp.after.max.ms (1h by default); off: no bound" },
  SESSION_TIMEOUT: { default: '30m', about: 'event time without activity that closes a session as timed_out' },
  IDLE_PARTITION_TIMEOUT: { default: '30s', about: 'a partition quiet this long (dead letters aside) stops holding windows open' },
  COMMIT_INTERVAL: { default: '250ms', about: 'flush every sink and commit this often' },
  PROCESSING_GUARANTEE: { default: 'at_least_once', about: 'at_least_once or exactly_once (Kafka transactions)' },
  PROCESSING_ERRORS: { default: 'dead-letter', about: "a valid event the pipeline's own code throws on: dead-letter (to DEAD_LETTER_TOPIC with the error, and processing goes on) or stop (the pipeline stops at it, and at every restart)" },
  SCALING: { default: 'single-instance', about: 'single-instance, or multi-instance (changelog and repartition topics)' },
  INSTANCE_ID: { default: '(the host name)', about: 'stable id of this instance (its transactional ids)' },
  AUTO_OFFSET_RESET: { default: 'earliest', about: 'where a new consumer group starts: earliest or latest' },
  HTTP_PORT: { default: '9464', about: 'port of /metrics (Prometheus) and /health; 0 picks a free one' },
  STATUS_INTERVAL: { default: '5s', about: 'how often the status line is logged' },
  LOG_LEVEL: { default: 'info', about: 'error, warn, info or debug' },
  LOG_FORMAT: { default: '(pretty on a terminal, else json)', about: 'json or pretty' },
} as const satisfies Record<string, { default: string; about: string }>;

/** The settings as `--help` shows them: one line each, name, default and purpose. */
export function settingsHelp(): string {
  const names = Object.keys(SETTINGS) as Array<keyof typeof SETTINGS>;
  const width = Math.max(...names.map((n) => n.length));
  const lines = names.map((n) => `  ${n.padEnd(width)}  ${SETTINGS[n].about} (default: ${SETTINGS[n].default})`);
  return (
    `Settings, from the environment or a .env file (the working directory's, then the repository's):\n${lines.join('\n')}\n` +
    'Numbers are plain decimal digits (no sign, exponent, 0x or 0o prefix, or leading zero); durations take a unit (500ms, 30s, 2m, 1h).'
  );
}

/** A setting that is wrong: the message names the variable, what it must be and what it was. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

type Env = Readonly<Record<string, string | undefined>>;

/** The longest delay Node's timers take: a longer one fires after 1 ms, again and again. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Reads the configuration. Every problem is collected, so one start reports all of them.
 * @example const config = loadConfig(process.env);
 */
export function loadConfig(env: Env): Config {
  const problems: string[] = [];
  const text = (name: string, fallback: string, pattern?: RegExp, what?: string): string => {
    const value = env[name]?.trim() || fallback;
    if (pattern && !pattern.test(value)) problems.push(`${name} must be ${what}, got '${value}'`);
    return value;
  };
  const oneOf = <T extends string>(name: string, fallback: T, allowed: readonly T[]): T => {
    const value = (env[name]?.trim() || fallback) as T;
    if (!allowed.includes(value)) problems.push(`${name} must be one of ${allowed.join(', ')}, got '${value}'`);
    return value;
  };
  const duration = (name: string, fallback: string, min = 0, max = Infinity): number => {
    const value = env[name]?.trim() || fallback;
    let ms;
    try {
      // A unit is required: SESSION_TIMEOUT=30 is not 30 ms.
      ms = durationWithUnit(value, name);
    } catch (error) {
      problems.push((error as Error).message);
      return 0;
    }
    if (ms < min) problems.push(`${name} must be at least ${min} ms, got '${value}'`);
    if (ms > max) problems.push(`${name} must be at most ${max} ms (a timer's longest delay, about 24.8 days), got '${value}'`);
    return ms;
  };
  /** A duration of 1 ms or more, or `off` (undefined). */
  const durationOrOff = (name: string, fallback: string): number | undefined => {
    const value = env[name]?.trim() || fallback;
    if (value === 'off') return undefined;
    try {
      const ms = durationWithUnit(value, name);
      if (ms >= 1) return ms;
    } catch {
      // reported below, with `off` among the choices
    }
    problems.push(`${name} must be a duration like 30s, 10m or 1h, or off; got '${value}'`);
    return undefined;
  };
  const integer = (name: string, fallback: number, min: number, max: number, what: string): number => {
    const raw = env[name]?.trim() || String(fallback);
    // Plain decimal: Number() also takes '0x10', '1e3', and '010' would look octal.
    const n = parseWholeNumber(raw);
    if (n === undefined || n < min || n > max) {
      problems.push(`${name} must be ${what}, got '${raw}'`);
      return 0;
    }
    return n;
  };
  /** A postgres:// URL that parses (a bad port would fail only once running, as 'Invalid URL'), named without its password. */
  const databaseUrl = (name: string, fallback: string): string => {
    const value = env[name]?.trim() || fallback;
    if (!/^postgres(ql)?:\/\//.test(value) || !URL.canParse(value)) problems.push(`${name} must be a postgres:// URL, got '${redactedUrl(value)}'`);
    return value;
  };
  /** host:port, comma-separated, each port 1-65535: librdkafka takes 127.0.0.1:90920 as port 25384 and retries it. */
  const brokers = (name: string, fallback: string): string => {
    const value = env[name]?.trim() || fallback;
    const ports = value.split(',').map((b) => /^[^,\s]+:(\d+)$/.exec(b)?.[1]);
    if (!ports.every((p) => p !== undefined && Number(p) >= 1 && Number(p) <= 65535)) {
      problems.push(`${name} must be a comma-separated list of host:port (port 1-65535), got '${value}'`);
    }
    return value;
  };
  const count = (name: string, fallback: number): number => integer(name, fallback, 1, Number.MAX_SAFE_INTEGER, 'a positive integer');
  const port = (name: string, fallback: number): number => integer(name, fallback, 0, 65535, 'a port number (0-65535)');

  const topicName = /^[A-Za-z0-9._-]{1,249}$/;
  // Kafka refuses '.' and '..' as topic names (the producer refuses them too).
  const kafkaTopic = /^(?!\.\.?$)[A-Za-z0-9._-]{1,249}$/;
  const config: Config = {
    kafkaBrokers: brokers('KAFKA_BROKERS', SETTINGS.KAFKA_BROKERS.default),
    applicationId: text('APPLICATION_ID', SETTINGS.APPLICATION_ID.default, topicName, 'letters, digits, . _ -'),
    inputTopic: text('INPUT_TOPIC', SETTINGS.INPUT_TOPIC.default, kafkaTopic, "a topic name (letters, digits, . _ -; not '.' or '..')"),
    enrichedTopic: text('ENRICHED_TOPIC', SETTINGS.ENRICHED_TOPIC.default, kafkaTopic, "a topic name (letters, digits, . _ -; not '.' or '..')"),
    deadLetterTopic: text('DEAD_LETTER_TOPIC', SETTINGS.DEAD_LETTER_TOPIC.default, kafkaTopic, "a topic name (letters, digits, . _ -; not '.' or '..')"),
    databaseUrl: databaseUrl('DATABASE_URL', SETTINGS.DATABASE_URL.default),
    lakeDir: text('LAKE_DIR', SETTINGS.LAKE_DIR.default),
    stateDir: text('STATE_DIR', SETTINGS.STATE_DIR.default),
    sessionStore: oneOf('SESSION_STORE', SETTINGS.SESSION_STORE.default, ['sqlite', 'memory']),
    sessionCacheUsers: count('SESSION_CACHE_USERS', Number(SETTINGS.SESSION_CACHE_USERS.default)),
    sinkThreads: oneOf('SINK_THREADS', SETTINGS.SINK_THREADS.default, ['on', 'off']),
    watermarkDelayMs: duration('WATERMARK_DELAY', SETTINGS.WATERMARK_DELAY.default),
    maxTimeAheadMs: durationOrOff('MAX_TIME_AHEAD', SETTINGS.MAX_TIME_AHEAD.default),
    sessionTimeoutMs: duration('SESSION_TIMEOUT', SETTINGS.SESSION_TIMEOUT.default, 1),
    idlePartitionTimeoutMs: duration('IDLE_PARTITION_TIMEOUT', SETTINGS.IDLE_PARTITION_TIMEOUT.default, 1),
    commitIntervalMs: duration('COMMIT_INTERVAL', SETTINGS.COMMIT_INTERVAL.default, 10),
    processingGuarantee: oneOf('PROCESSING_GUARANTEE', SETTINGS.PROCESSING_GUARANTEE.default, ['at_least_once', 'exactly_once']),
    processingErrors: oneOf<ProcessingErrors>('PROCESSING_ERRORS', SETTINGS.PROCESSING_ERRORS.default, PROCESSING_ERRORS),
    scaling: oneOf('SCALING', SETTINGS.SCALING.default, ['single-instance', 'multi-instance']),
    instanceId: env.INSTANCE_ID?.trim() ? text('INSTANCE_ID', '', topicName, 'letters, digits, . _ -') : undefined,
    autoOffsetReset: oneOf('AUTO_OFFSET_RESET', SETTINGS.AUTO_OFFSET_RESET.default, ['earliest', 'latest']),
    httpPort: port('HTTP_PORT', Number(SETTINGS.HTTP_PORT.default)),
    statusIntervalMs: duration('STATUS_INTERVAL', SETTINGS.STATUS_INTERVAL.default, 100, MAX_TIMER_MS),
    logLevel: oneOf('LOG_LEVEL', SETTINGS.LOG_LEVEL.default, ['error', 'warn', 'info', 'debug']),
    logFormat: oneOf('LOG_FORMAT', process.stderr.isTTY ? 'pretty' : 'json', ['json', 'pretty']),
  };
  problems.push(...sharedTopicProblems(config));
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/**
 * The topic settings must name three topics. An enriched event is a valid input event, so with
 * ENRICHED_TOPIC = INPUT_TOPIC the app reads its own output back and counts it again, for ever; a
 * dead letter written to the input is read, refused and written again, for ever; dead letters on
 * the enriched topic hand raw bad records to its readers.
 */
function sharedTopicProblems(config: Pick<Config, 'inputTopic' | 'enrichedTopic' | 'deadLetterTopic'>): string[] {
  const settings = [
    ['INPUT_TOPIC', config.inputTopic],
    ['ENRICHED_TOPIC', config.enrichedTopic],
    ['DEAD_LETTER_TOPIC', config.deadLetterTopic],
  ] as const;
  const problems: string[] = [];
  settings.forEach(([name, topic], i) => {
    const earlier = settings.slice(0, i).find(([, other]) => other === topic);
    if (earlier) problems.push(`${name} must name a topic of its own, got '${topic}', which ${earlier[0]} names`);
  });
  return problems;
}

/**
 * Makes LAKE_DIR and STATE_DIR if they are missing and writes a test file in each
 * ({@link probeWritableDir}, as `pnpm verify` does); throws a {@link ConfigError} naming each that
 * cannot be used. (Without this check, a directory it cannot write fails only once running, with an
 * fs error naming a path, exit 1.)
 */
export async function checkDirectories(config: Pick<Config, 'lakeDir' | 'stateDir'>): Promise<void> {
  const problems: string[] = [];
  for (const [name, dir] of [['LAKE_DIR', config.lakeDir], ['STATE_DIR', config.stateDir]] as const) {
    try {
      await probeWritableDir(dir);
    } catch (error) {
      problems.push(`${name} must be a directory this user can create and write, got '${dir}' (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
}

/** The repository's `.env`, where `.env.example` says to copy itself, whatever the working directory. */
const REPOSITORY_DOT_ENV = resolve(__dirname, '../../../.env');

/**
 * Loads `.env` files into `process.env`, variables already set winning: the working directory's,
 * then the repository's (`pnpm --filter activity-pipeline start` runs in the app's folder, `pnpm
 * demo` at the root: both read the repository's).
 */
export function loadDotEnv(paths: readonly string[] = ['.env', REPOSITORY_DOT_ENV], env: Record<string, string | undefined> = process.env): void {
  for (const path of new Set(paths.map((p) => resolve(p)))) {
    if (!existsSync(path)) continue;
    for (const [name, value] of Object.entries(parseEnv(readFileSync(path, 'utf8')))) env[name] ??= value;
  }
}
