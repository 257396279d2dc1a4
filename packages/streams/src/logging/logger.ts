import winston from 'winston';

/** The logging calls the library makes: a message and structured fields. Any winston logger fits. */
export interface Logger {
  error(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  debug(message: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

export type LogFormat = 'json' | 'pretty';

export interface LoggerOptions {
  level?: 'error' | 'warn' | 'info' | 'debug';
  /** `json` (one object per line, for log collectors) or `pretty` (for a terminal). Default: pretty on a TTY. */
  format?: LogFormat;
  /** Fields on every line, e.g. `{ app: 'activity-pipeline' }`. */
  fields?: Record<string, unknown>;
}

/**
 * A winston logger writing structured lines to stderr (stdout stays free for a program's output).
 * @example const logger = createLogger({ level: 'info', format: 'json', fields: { app: 'my-app' } });
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const format = options.format ?? (process.stderr.isTTY ? 'pretty' : 'json');
  return winston.createLogger({
    level: options.level ?? 'info',
    defaultMeta: options.fields,
    format:
      format === 'json'
        ? winston.format.combine(winston.format.timestamp(), winston.format.errors({ stack: true }), winston.format.json())
        : winston.format.combine(
            winston.format.timestamp({ format: 'HH:mm:ss.SSS' }),
            winston.format.errors({ stack: true }),
            winston.format.colorize(),
            winston.format.printf(({ timestamp, level, message, ...fields }) => {
              const rest = Object.keys(fields).length > 0 ? ` ${JSON.stringify(fields)}` : '';
              return `${String(timestamp)} ${level} ${String(message)}${rest}`;
            }),
          ),
    transports: [new winston.transports.Console({ stderrLevels: ['error', 'warn', 'info', 'debug'] })],
  });
}

/** A logger that drops everything: the default of the test driver. */
export const silentLogger: Logger = Object.freeze({
  error: () => {},
  warn: () => {},
  info: () => {},
  debug: () => {},
  child: () => silentLogger,
});
