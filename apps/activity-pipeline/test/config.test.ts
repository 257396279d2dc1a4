import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkDirectories, ConfigError, loadConfig, loadDotEnv, SETTINGS } from '../src/config';

const problemsOf = (env: Record<string, string>): readonly string[] => {
  try {
    loadConfig(env);
    return [];
  } catch (e) {
    return (e as ConfigError).problems;
  }
};

describe('configuration', () => {
  it('has defaults for everything', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      kafkaBrokers: '127.0.0.1:9092',
      inputTopic: 'user_activity',
      watermarkDelayMs: 120_000,
      maxTimeAheadMs: 600_000,
      sessionTimeoutMs: 1_800_000,
      processingGuarantee: 'at_least_once',
      processingErrors: 'dead-letter',
      sessionStore: 'sqlite',
      sessionCacheUsers: 10_000,
      sinkThreads: 'on',
      httpPort: 9464,
    });
  });

  it('reads durations and choices', () => {
    const config = loadConfig({ WATERMARK_DELAY: '90s', SESSION_TIMEOUT: '1h', PROCESSING_GUARANTEE: 'exactly_once', LOG_FORMAT: 'json', SESSION_STORE: 'memory', SESSION_CACHE_USERS: '50000', SINK_THREADS: 'off' });
    expect(config).toMatchObject({ sinkThreads: 'off', watermarkDelayMs: 90_000, sessionTimeoutMs: 3_600_000, processingGuarantee: 'exactly_once', logFormat: 'json', sessionStore: 'memory', sessionCacheUsers: 50_000 });
  });

  it('reads MAX_TIME_AHEAD as a duration of 1 ms or more, or off', () => {
    expect(loadConfig({ MAX_TIME_AHEAD: '10m' }).maxTimeAheadMs).toBe(600_000);
    expect(loadConfig({ MAX_TIME_AHEAD: 'off' }).maxTimeAheadMs).toBeUndefined();
    expect(problemsOf({ MAX_TIME_AHEAD: 'OFF' })).toEqual(["MAX_TIME_AHEAD must be a duration like 30s, 10m or 1h, or off; got 'OFF'"]);
    expect(problemsOf({ MAX_TIME_AHEAD: '0s' })).toEqual(["MAX_TIME_AHEAD must be a duration like 30s, 10m or 1h, or off; got '0s'"]);
  });

  it('names every wrong setting in one error', () => {
    let error: unknown;
    try {
      loadConfig({
        WATERMARK_DELAY: 'two minutes',
        HTTP_PORT: '99999',
        PROCESSING_GUARANTEE: 'maybe',
        PROCESSING_ERRORS: 'skip',
        KAFKA_BROKERS: 'localhost',
        DATABASE_URL: 'mysql://x',
        SESSION_STORE: 'rocksdb',
        SESSION_CACHE_USERS: '0',
        SINK_THREADS: 'yes',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      "KAFKA_BROKERS must be a comma-separated list of host:port (port 1-65535), got 'localhost'",
      "DATABASE_URL must be a postgres:// URL, got 'mysql://x'",
      "SESSION_STORE must be one of sqlite, memory, got 'rocksdb'",
      "SESSION_CACHE_USERS must be a positive integer, got '0'",
      "SINK_THREADS must be one of on, off, got 'yes'",
      "WATERMARK_DELAY must be a duration like 500ms, 30s, 2m or 1h, got 'two minutes'",
      "PROCESSING_GUARANTEE must be one of at_least_once, exactly_once, got 'maybe'",
      "PROCESSING_ERRORS must be one of stop, dead-letter, got 'skip'",
      "HTTP_PORT must be a port number (0-65535), got '99999'",
    ]);
  });

  it('--help lists exactly the variables it reads', () => {
    const read = new Set<string>();
    const env = new Proxy({} as Record<string, string | undefined>, {
      get: (_target, name) => {
        if (typeof name === 'string') read.add(name);
        return undefined;
      },
    });
    loadConfig(env);
    expect([...read].sort()).toEqual(Object.keys(SETTINGS).sort());
  });

  it('takes integers written in digits only', () => {
    expect(problemsOf({ SESSION_CACHE_USERS: '0x10' })).toEqual(["SESSION_CACHE_USERS must be a positive integer, got '0x10'"]);
    expect(problemsOf({ SESSION_CACHE_USERS: '1e4' })).toEqual(["SESSION_CACHE_USERS must be a positive integer, got '1e4'"]);
    expect(problemsOf({ HTTP_PORT: '-1' })).toEqual(["HTTP_PORT must be a port number (0-65535), got '-1'"]);
    expect(loadConfig({ SESSION_CACHE_USERS: ' 16 ' }).sessionCacheUsers).toBe(16);
  });

  it('refuses a duration without a unit (SESSION_TIMEOUT=30 is not 30 ms), but takes 0', () => {
    expect(problemsOf({ SESSION_TIMEOUT: '30', WATERMARK_DELAY: '2' })).toEqual([
      "WATERMARK_DELAY must be a duration like 500ms, 30s, 2m or 1h, got '2'",
      "SESSION_TIMEOUT must be a duration like 500ms, 30s, 2m or 1h, got '30'",
    ]);
    expect(loadConfig({ WATERMARK_DELAY: '0' }).watermarkDelayMs).toBe(0);
  });

  it('refuses a LAKE_DIR or STATE_DIR it cannot create, naming it, and makes the missing ones', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dirs-'));
    try {
      const file = join(dir, 'a-file');
      writeFileSync(file, '');
      await expect(checkDirectories({ lakeDir: join(file, 'lake'), stateDir: join(file, 'state') })).rejects.toMatchObject({
        problems: [
          `LAKE_DIR must be a directory this user can create and write, got '${join(file, 'lake')}' (ENOTDIR)`,
          `STATE_DIR must be a directory this user can create and write, got '${join(file, 'state')}' (ENOTDIR)`,
        ],
      });
      await expect(checkDirectories({ lakeDir: join(dir, 'new/lake'), stateDir: join(dir, 'new/state') })).resolves.toBeUndefined();
      expect(existsSync(join(dir, 'new/lake')) && existsSync(join(dir, 'new/state'))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a directory where no file can be written even when access(W_OK) passes, and leaves no probe behind', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dirs-'));
    try {
      // Root passes access(W_OK) on /proc, but no file can be created there.
      if (process.platform === 'linux') {
        await expect(checkDirectories({ lakeDir: '/proc', stateDir: dir })).rejects.toMatchObject({
          problems: ["LAKE_DIR must be a directory this user can create and write, got '/proc' (ENOENT)"],
        });
      }
      expect(readdirSync(dir)).toEqual([]);
      // Write but no search permission: access(W_OK) passes, creating a file does not (root may do anything).
      if (process.getuid?.() !== 0) {
        const noSearch = join(dir, 'no-search');
        await checkDirectories({ lakeDir: noSearch, stateDir: dir });
        chmodSync(noSearch, 0o200);
        await expect(checkDirectories({ lakeDir: noSearch, stateDir: dir })).rejects.toMatchObject({
          problems: [`LAKE_DIR must be a directory this user can create and write, got '${noSearch}' (EACCES)`],
        });
        chmodSync(noSearch, 0o700);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a KAFKA_BROKERS port outside 1-65535 at start (librdkafka took 127.0.0.1:90920 as port 25384 and retried it for 30 s, exit 1)', () => {
    const message = (value: string) => `KAFKA_BROKERS must be a comma-separated list of host:port (port 1-65535), got '${value}'`;
    expect(problemsOf({ KAFKA_BROKERS: '127.0.0.1:90920' })).toEqual([message('127.0.0.1:90920')]);
    expect(problemsOf({ KAFKA_BROKERS: 'a:9092,b:0' })).toEqual([message('a:9092,b:0')]);
    expect(problemsOf({ KAFKA_BROKERS: 'kafka:65536' })).toEqual([message('kafka:65536')]);
    expect(loadConfig({ KAFKA_BROKERS: 'a:1,[::1]:65535' }).kafkaBrokers).toBe('a:1,[::1]:65535');
  });

  it('refuses a status interval longer than Node’s timers take', () => {
    expect(problemsOf({ STATUS_INTERVAL: '25d' })).toEqual([
      "STATUS_INTERVAL must be at most 2147483647 ms (a timer's longest delay, about 24.8 days), got '25d'",
    ]);
    expect(loadConfig({ SESSION_TIMEOUT: '30d' }).sessionTimeoutMs).toBe(30 * 86_400_000); // event time: no timer
  });

  it('loads .env files in order, the first and the environment winning', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dotenv-'));
    const names = ['DOTENV_TEST_A', 'DOTENV_TEST_B', 'DOTENV_TEST_C'];
    try {
      writeFileSync(join(dir, 'here.env'), 'DOTENV_TEST_A=here\nDOTENV_TEST_B=here\n');
      writeFileSync(join(dir, 'root.env'), 'DOTENV_TEST_A=root\nDOTENV_TEST_C=root\n');
      const env: Record<string, string | undefined> = { DOTENV_TEST_B: 'shell' };
      loadDotEnv([join(dir, 'here.env'), join(dir, 'missing.env'), join(dir, 'root.env')], env);
      expect(names.map((n) => env[n])).toEqual(['here', 'shell', 'root']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  // An enriched event is a valid input event: ENRICHED_TOPIC = INPUT_TOPIC read its own output back
  // for ever (one page view counted 546 times in 5 s on the broker); a dead letter on the input was
  // refused and written again for ever; dead letters on the enriched topic reached its readers.
  it.each([
    [{ INPUT_TOPIC: 'events', ENRICHED_TOPIC: 'events' }, "ENRICHED_TOPIC must name a topic of its own, got 'events', which INPUT_TOPIC names"],
    [{ INPUT_TOPIC: 'events', DEAD_LETTER_TOPIC: 'events' }, "DEAD_LETTER_TOPIC must name a topic of its own, got 'events', which INPUT_TOPIC names"],
    [{ ENRICHED_TOPIC: 'out', DEAD_LETTER_TOPIC: 'out' }, "DEAD_LETTER_TOPIC must name a topic of its own, got 'out', which ENRICHED_TOPIC names"],
  ])('refuses two topic settings naming one topic (%j)', (env, problem) => {
    expect(problemsOf(env)).toEqual([problem]);
  });

  // Kafka refuses them: the app failed once connected, where the producer already refused them.
  it("refuses '.' and '..' as topic names", () => {
    expect(problemsOf({ INPUT_TOPIC: '..', DEAD_LETTER_TOPIC: '.' })).toEqual([
      "INPUT_TOPIC must be a topic name (letters, digits, . _ -; not '.' or '..'), got '..'",
      "DEAD_LETTER_TOPIC must be a topic name (letters, digits, . _ -; not '.' or '..'), got '.'",
    ]);
    expect(loadConfig({ INPUT_TOPIC: '...' }).inputTopic).toBe('...');
  });
});
