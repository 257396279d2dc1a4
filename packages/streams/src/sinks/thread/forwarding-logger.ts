import type { Logger } from '../../logging/logger';
import type { SinkEvent } from './protocol';

/**
 * A threaded sink's logger: every line goes to the engine's thread, which writes it with that
 * sink's logger (its format, level and fields), so a sink logs the same from a thread as in process.
 */
export function forwardingLogger(post: (event: SinkEvent) => void, sink: number, fields: Record<string, unknown> = {}): Logger {
  const at =
    (level: 'error' | 'warn' | 'info' | 'debug') =>
    (message: string, more?: Record<string, unknown>): void => {
      const all = more === undefined ? fields : { ...fields, ...more };
      post({ type: 'log', sink, level, message, ...(Object.keys(all).length > 0 ? { fields: plainFields(all) } : {}) });
    };
  return {
    error: at('error'),
    warn: at('warn'),
    info: at('info'),
    debug: at('debug'),
    child: (more) => forwardingLogger(post, sink, { ...fields, ...more }),
  };
}

/** Fields that structured clone can carry: an Error becomes its message and stack; a function its name. */
function plainFields(fields: Record<string, unknown>): Record<string, unknown> {
  const plain: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (value instanceof Error) plain[key] = { message: value.message, stack: value.stack };
    else if (typeof value === 'function' || typeof value === 'symbol') plain[key] = String(value);
    else plain[key] = value;
  }
  return plain;
}
