import winston from 'winston';
import type { LogFormat, LogLevel } from './options';

export type Logger = winston.Logger;

/**
 * Logs on stderr: `json`, one object per line for log collectors, or `pretty` for a terminal.
 * @example createLogger('json').info('progress', { sent: 1200 }); // {"level":"info","message":"progress","sent":1200,…}
 */
export function createLogger(format: LogFormat, level: LogLevel = 'info'): Logger {
  return winston.createLogger({
    level,
    defaultMeta: format === 'json' ? { app: 'producer' } : undefined,
    format:
      format === 'json'
        ? winston.format.combine(winston.format.timestamp(), winston.format.errors({ stack: true }), winston.format.json())
        : winston.format.combine(
            winston.format.timestamp({ format: 'HH:mm:ss' }),
            winston.format.colorize(),
            winston.format.printf(({ timestamp, level, message, ...fields }) => {
              const rest = Object.keys(fields).length > 0 ? ` ${JSON.stringify(fields)}` : '';
              return `${String(timestamp)} ${level} ${String(message)}${rest}`;
            }),
          ),
    transports: [new winston.transports.Console({ stderrLevels: ['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly'] })],
  });
}
