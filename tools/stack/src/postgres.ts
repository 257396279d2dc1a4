import fs from 'node:fs';
import pg from 'pg';
import { INIT_DB_SQL } from './paths';

// PostgreSQL is not started by the stack (it is a system service here and on CI): the stack only makes
// sure the database exists and has the pipeline's tables.

const START_HINT = 'start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start';

export interface DatabaseResult {
  created: boolean;
  database: string;
}

/** Creates the database of `url` if missing (through the `postgres` database), then applies init-db.sql. */
export async function ensureDatabase(url: string): Promise<DatabaseResult> {
  const target = new URL(url);
  const database = decodeURIComponent(target.pathname.replace(/^\//, '')) || 'postgres';
  const maintenance = new URL(url);
  maintenance.pathname = '/postgres';

  let created = false;
  // Errors name the URL the user gave, not the maintenance database's.
  await withClient(maintenance.toString(), url, async (client) => {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount === 0) {
      try {
        await client.query(`CREATE DATABASE ${quoteIdent(database)}`);
        created = true;
      } catch (err) {
        // Another `stack up` may have created it a moment ago (duplicate_database).
        if ((err as { code?: string }).code !== '42P04') throw err;
      }
    }
  });
  const sql = fs.readFileSync(INIT_DB_SQL, 'utf8');
  // Without parameters pg uses the simple query protocol, which runs a multi-statement script as is.
  await withClient(url, url, (client) => client.query(sql).then(() => undefined));
  return { created, database };
}

/** For `stack status`: undefined when reachable, else why not. */
export async function databaseProblem(url: string): Promise<string | undefined> {
  try {
    await withClient(url, url, (client) => client.query('SELECT 1').then(() => undefined));
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

async function withClient<T>(url: string, shownUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
  } catch (err) {
    throw explain(err, shownUrl);
  }
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

function explain(err: unknown, url: string): Error {
  const e = err as NodeJS.ErrnoException & { errors?: NodeJS.ErrnoException[] };
  // node reports a refused localhost connection as an AggregateError (IPv4 and IPv6 attempts).
  const codes = [e.code, ...(e.errors ?? []).map((x) => x.code)];
  const where = redact(url);
  if (codes.includes('ECONNREFUSED') || codes.includes('ETIMEDOUT') || /timeout/i.test(e.message ?? '')) {
    return new Error(`PostgreSQL is not reachable at ${where} (${e.code ?? e.message}). The stack does not start PostgreSQL; ${START_HINT}`);
  }
  return new Error(`cannot connect to PostgreSQL at ${where}: ${e.message}`);
}

/** The URL without its password, for messages. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
