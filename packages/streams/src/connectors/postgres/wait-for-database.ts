import pg from 'pg';
import { silentLogger, type Logger } from '../../logging/logger';
import { withRetry, type RetryOptions } from './retry';

export interface WaitForDatabaseOptions {
  /** How long to keep trying through transient failures; the sinks' defaults (8 tries, 11 to 23 s). */
  readonly retry?: RetryOptions;
  /** Bound of one connect: a host that drops packets would hold it for the system's TCP timeout (minutes). Default 10 s. */
  readonly connectTimeoutMs?: number;
  /** Shown in `pg_stat_activity.application_name`. */
  readonly applicationName?: string;
  /** Where each failed try is reported before the next. */
  readonly logger?: Logger;
}

/**
 * Connects once and disconnects: resolves when the database answers. A transient failure (the
 * server down, restarting or unreachable) is tried again as a sink's open would; a permanent one
 * (no such database, refused credentials, an unknown host) rejects at once. The rejection's
 * message says why, in the words a sink would use. An app calls it at start, so that it can name
 * its own setting before it reads anything, instead of learning from a sink's open later.
 * @example
 * await waitForDatabase(process.env.DATABASE_URL!).catch((error: Error) => {
 *   throw new Error(`DATABASE_URL cannot be reached: ${error.message}`);
 * });
 */
export async function waitForDatabase(connectionString: string, options: WaitForDatabaseOptions = {}): Promise<void> {
  const connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
  await withRetry(
    async () => {
      const client = new pg.Client({
        connectionString,
        connectionTimeoutMillis: connectTimeoutMs,
        ...(options.applicationName !== undefined ? { application_name: options.applicationName } : {}),
      });
      client.on('error', () => {}); // a failure after connect() settled has nothing left to fail
      try {
        await client.connect().catch((error: Error) => {
          // pg's own timeout says only 'timeout expired', with no code: read as permanent, one
          // silent host (a failover, packets dropped) would end the wait after its first try.
          if (error.message !== 'timeout expired') throw error;
          throw Object.assign(new Error(`no answer within ${connectTimeoutMs} ms`), { code: 'ETIMEDOUT', cause: error });
        });
      } finally {
        await client.end().catch(() => undefined);
      }
    },
    options.retry ?? {},
    { label: 'postgres', table: '', logger: options.logger ?? silentLogger, action: 'connect' },
  );
}
