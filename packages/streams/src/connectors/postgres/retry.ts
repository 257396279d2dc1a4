import type { Logger } from '../../logging/logger';
import { classifyError } from './classify-error';

/** How long a sink keeps trying through transient failures (a restarting or unreachable server). */
export interface RetryOptions {
  /** Tries in all, the first included. Default 8: with the default delays, 11 to 23 s of waiting in all. */
  readonly attempts?: number;
  /** Wait before the second try; it doubles at each further try. Default 200 ms. */
  readonly initialDelayMs?: number;
  /** Upper bound of one wait. Default 10 s. */
  readonly maxDelayMs?: number;
}

export interface RetryContext {
  /** Prefix of error messages: `postgres sink <name>`. */
  readonly label: string;
  /** The table, named by the message of an undefined-table error. */
  readonly table: string;
  readonly logger: Logger;
  /** What is being done, for the log line: 'flush', 'open'. */
  readonly action: string;
}

/**
 * Runs `attempt` until it succeeds, a permanent error occurs, or the attempts are used up. Every
 * failure becomes an Error whose message names the cause; the original is its `cause`.
 * @example
 * await withRetry((n) => writeBatch(n), { attempts: 5 }, { label: 'postgres sink counts', table: 'counts', logger, action: 'flush' });
 */
export async function withRetry<R>(attempt: (attemptNumber: number) => Promise<R>, options: RetryOptions, context: RetryContext): Promise<R> {
  const attempts = Math.max(1, options.attempts ?? 8);
  const initialDelayMs = options.initialDelayMs ?? 200;
  const maxDelayMs = options.maxDelayMs ?? 10_000;
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (error) {
      const { transient, description } = classifyError(error, context.table);
      if (!transient) throw new Error(`${context.label}: ${description}`, { cause: error });
      if (n >= attempts) throw new Error(`${context.label}: ${context.action} failed after ${n} attempts: ${description}`, { cause: error });
      const delayMs = backoff(n, initialDelayMs, maxDelayMs);
      context.logger.warn(`${context.label}: ${context.action} failed, retrying`, { error: description, attempt: n, attempts, delayMs });
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}

/**
 * Exponential backoff with "equal jitter": half the delay is fixed, half random, so instances that
 * failed together (the database restarted under all of them) do not come back in lockstep, yet
 * each waits at least half the nominal delay.
 */
function backoff(failures: number, initialDelayMs: number, maxDelayMs: number): number {
  const nominal = Math.min(maxDelayMs, initialDelayMs * 2 ** (failures - 1));
  return Math.round(nominal / 2 + Math.random() * (nominal / 2));
}
