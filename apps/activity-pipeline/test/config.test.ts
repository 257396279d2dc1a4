import { ConfigError, loadConfig, SETTINGS } from '../src/config';

describe('configuration', () => {
  it('has defaults for everything', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      kafkaBrokers: '127.0.0.1:9092',
      inputTopic: 'user_activity',
      watermarkDelayMs: 120_000,
      sessionTimeoutMs: 1_800_000,
      processingGuarantee: 'at_least_once',
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

  it('names every wrong setting in one error', () => {
    let error: unknown;
    try {
      loadConfig({
        WATERMARK_DELAY: 'two minutes',
        HTTP_PORT: '99999',
        PROCESSING_GUARANTEE: 'maybe',
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
      "KAFKA_BROKERS must be a comma-separated list of host:port, got 'localhost'",
      "DATABASE_URL must be a postgres:// URL, got 'mysql://x'",
      "SESSION_STORE must be one of sqlite, memory, got 'rocksdb'",
      "SESSION_CACHE_USERS must be a positive integer, got '0'",
      "SINK_THREADS must be one of on, off, got 'yes'",
      "WATERMARK_DELAY must be a duration like 500ms, 30s, 2m or 1h, got 'two minutes'",
      "PROCESSING_GUARANTEE must be one of at_least_once, exactly_once, got 'maybe'",
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
});
