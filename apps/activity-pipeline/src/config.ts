import { existsSync } from 'node:fs';
import { parseDuration } from '@pipeline/streams';

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
  readonly watermarkDelayMs: number;
  readonly sessionTimeoutMs: number;
  readonly idlePartitionTimeoutMs: number;
  readonly commitIntervalMs: number;
  readonly processingGuarantee: 'at_least_once' | 'exactly_once';
  readonly scaling: 'single-instance' | 'multi-instance';
  readonly instanceId: string | undefined;
  readonly autoOffsetReset: 'earliest' | 'latest';
  readonly httpPort: number;
  readonly statusIntervalMs: number;
  readonly logLevel: 'error' | 'warn' | 'info' | 'debug';
  readonly logFormat: 'json' | 'pretty';
}

/** A setting that is wrong: the message names the variable, what it must be and what it was. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

type Env = Readonly<Record<string, string | undefined>>;

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
  const duration = (name: string, fallback: string, min = 0): number => {
    const value = env[name]?.trim() || fallback;
    try {
      const ms = parseDuration(value, name);
      if (ms < min) problems.push(`${name} must be at least ${min} ms, got '${value}'`);
      return ms;
    } catch {
      problems.push(`${name} must be a duration like 500ms, 30s, 2m or 1h, got '${value}'`);
      return 0;
    }
  };
  const port = (name: string, fallback: number): number => {
    const raw = env[name]?.trim() || String(fallback);
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 0 || n > 65535) problems.push(`${name} must be a port number (0-65535), got '${raw}'`);
    return n;
  };

  const topicName = /^[A-Za-z0-9._-]{1,249}$/;
  const config: Config = {
    kafkaBrokers: text('KAFKA_BROKERS', '127.0.0.1:9092', /^[^,\s]+:\d+(,[^,\s]+:\d+)*$/, 'a comma-separated list of host:port'),
    applicationId: text('APPLICATION_ID', 'activity-pipeline', topicName, 'letters, digits, . _ -'),
    inputTopic: text('INPUT_TOPIC', 'user_activity', topicName, 'a topic name'),
    enrichedTopic: text('ENRICHED_TOPIC', 'enriched_activity', topicName, 'a topic name'),
    deadLetterTopic: text('DEAD_LETTER_TOPIC', 'user_activity_dlq', topicName, 'a topic name'),
    databaseUrl: text('DATABASE_URL', 'postgres://postgres@127.0.0.1:5432/pipeline', /^postgres(ql)?:\/\//, 'a postgres:// URL'),
    lakeDir: text('LAKE_DIR', './data/lake'),
    stateDir: text('STATE_DIR', './data/state'),
    watermarkDelayMs: duration('WATERMARK_DELAY', '2m'),
    sessionTimeoutMs: duration('SESSION_TIMEOUT', '30m', 1),
    idlePartitionTimeoutMs: duration('IDLE_PARTITION_TIMEOUT', '30s', 1),
    commitIntervalMs: duration('COMMIT_INTERVAL', '500ms', 10),
    processingGuarantee: oneOf('PROCESSING_GUARANTEE', 'at_least_once', ['at_least_once', 'exactly_once']),
    scaling: oneOf('SCALING', 'single-instance', ['single-instance', 'multi-instance']),
    instanceId: env.INSTANCE_ID?.trim() ? text('INSTANCE_ID', '', topicName, 'letters, digits, . _ -') : undefined,
    autoOffsetReset: oneOf('AUTO_OFFSET_RESET', 'earliest', ['earliest', 'latest']),
    httpPort: port('HTTP_PORT', 9464),
    statusIntervalMs: duration('STATUS_INTERVAL', '5s', 100),
    logLevel: oneOf('LOG_LEVEL', 'info', ['error', 'warn', 'info', 'debug']),
    logFormat: oneOf('LOG_FORMAT', process.stderr.isTTY ? 'pretty' : 'json', ['json', 'pretty']),
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/** Loads `.env` from the working directory into `process.env` (variables already set win). */
export function loadDotEnv(path = '.env'): void {
  if (existsSync(path)) process.loadEnvFile(path);
}
