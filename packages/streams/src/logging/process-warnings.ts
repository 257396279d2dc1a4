import type { Logger } from './logger';

/**
 * Logs the process's warnings (`process.emitWarning`: a library's notice, such as pg's about
 * `sslmode=require`, or a deprecation) through `logger`, one structured line each, instead of
 * Node's default: several plain lines on stderr, which break a log of one JSON object a line.
 * For a program's entry point: it replaces how the whole process reports warnings (Node's own
 * printer is removed; `--no-warnings` stays respected: nothing is logged then). Returns a
 * function that restores Node's printer.
 * @example logProcessWarnings(logger.child({ component: 'node' }));
 */
export function logProcessWarnings(logger: Logger): () => void {
  const printers = process.listeners('warning');
  const silenced =
    process.execArgv.includes('--no-warnings') || (process.env.NODE_OPTIONS ?? '').split(/\s+/).includes('--no-warnings') || process.env.NODE_NO_WARNINGS === '1';
  const log = (warning: Error & { code?: string }) => {
    if (silenced) return;
    if (warning.name === 'DeprecationWarning' && process.noDeprecation === true) return;
    logger.warn(warning.message, { warning: warning.name, ...(warning.code !== undefined ? { code: warning.code } : {}) });
  };
  process.removeAllListeners('warning');
  process.on('warning', log);
  return () => {
    process.off('warning', log);
    for (const printer of printers) process.on('warning', printer);
  };
}
