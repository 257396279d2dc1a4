import type { Logger } from '../../src';

/** One line a {@link recordingLogger} took. */
export interface LogLine {
  readonly level: 'error' | 'warn' | 'info' | 'debug';
  readonly message: string;
  readonly fields: Record<string, unknown>;
  /** When it was logged (Date.now()). */
  readonly at: number;
}

/**
 * A logger that keeps every line, for tests of what the library says; children log into the same
 * list.
 * @example const { logger, lines } = recordingLogger(); … expect(lines.filter((l) => l.level === 'warn')).toEqual([…]);
 */
export function recordingLogger(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const log = (level: LogLine['level']) => (message: string, fields: Record<string, unknown> = {}) => void lines.push({ level, message, fields, at: Date.now() });
  const logger: Logger = { error: log('error'), warn: log('warn'), info: log('info'), debug: log('debug'), child: () => logger };
  return { logger, lines };
}
