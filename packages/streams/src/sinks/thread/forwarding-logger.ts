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
      const line = { type: 'log' as const, sink, level, message, ...(Object.keys(all).length > 0 ? { fields: plainFields(all) } : {}) };
      try {
        post(line);
      } catch {
        // A field structured clone cannot copy (a function deep inside): logging never fails a sink.
        post({ ...line, fields: JSON.parse(safeJson(line.fields)) as Record<string, unknown> });
      }
    };
  return {
    error: at('error'),
    warn: at('warn'),
    info: at('info'),
    debug: at('debug'),
    child: (more) => forwardingLogger(post, sink, { ...fields, ...more }),
  };
}

/** `value` as JSON, whatever it holds: what JSON cannot carry is dropped (functions) or named (cycles, bigints). */
function safeJson(value: unknown): string {
  const seen = new WeakSet<object>();
  return JSON.stringify(value ?? {}, (_key, v: unknown) => {
    if (typeof v === 'bigint') return v.toString();
    if (typeof v === 'object' && v !== null) {
      if (seen.has(v)) return '[cycle]';
      seen.add(v);
    }
    return v;
  });
}

/** Fields that structured clone can carry: an Error becomes its message, stack and code; a function its name. */
function plainFields(fields: Record<string, unknown>): Record<string, unknown> {
  const plain: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (value instanceof Error) plain[key] = { message: value.message, stack: value.stack, ...('code' in value ? { code: String(value.code) } : {}) };
    else if (typeof value === 'function' || typeof value === 'symbol') plain[key] = String(value);
    else plain[key] = value;
  }
  return plain;
}
