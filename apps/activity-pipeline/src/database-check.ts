import pg from 'pg';
import { ConfigError } from './config';
import { redactedUrl } from './redacted-url';

/**
 * How long the start waits for the server to answer: without a bound, a host that drops packets
 * holds the start for the system's TCP timeout (minutes).
 */
const CONNECT_TIMEOUT_MS = 10_000;

/**
 * Connects once to DATABASE_URL and disconnects; throws a {@link ConfigError} naming DATABASE_URL,
 * the URL without its password and the reason (refused, unknown host, no such database, bad
 * credentials, timeout) when it cannot. Without it, the start went on and only the postgres sinks'
 * open failed, some 18 s of retries later, naming a sink and an address but not the setting.
 */
export async function checkDatabase(databaseUrl: string, options: { applicationName?: string; timeoutMs?: number } = {}): Promise<void> {
  const client = new pg.Client({
    connectionString: databaseUrl,
    connectionTimeoutMillis: options.timeoutMs ?? CONNECT_TIMEOUT_MS,
    ...(options.applicationName !== undefined ? { application_name: options.applicationName } : {}),
  });
  client.on('error', () => {}); // a failure after connect() settled has nothing left to fail
  try {
    await client.connect();
  } catch (error) {
    throw new ConfigError([`DATABASE_URL must be a PostgreSQL database this host can connect to, got '${redactedUrl(databaseUrl)}' (${reasonOf(error)})`]);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The error's message; a failure to reach every address of a host (an AggregateError) has none of its own: its first one's. */
function reasonOf(error: unknown): string {
  const { message, code, errors } = error as { message?: unknown; code?: unknown; errors?: unknown };
  if (typeof message === 'string' && message !== '') return message;
  if (Array.isArray(errors) && errors.length > 0) return reasonOf(errors[0]);
  return typeof code === 'string' ? code : String(error);
}
