import { readFileSync } from 'node:fs';
import pg from 'pg';
import { INIT_DB_SQL } from './paths';
import { databaseUrl } from './settings';

/**
 * A database of its own on the local stack's PostgreSQL server (or the one DATABASE_URL names),
 * with the tables of the repository's init-db.sql: for tests and benchmark steps that must not
 * share rows. Exported as `@pipeline/stack/scratch-database`.
 */
export interface ScratchDatabase {
  readonly name: string;
  readonly url: string;
  /** Rows of a query, with `bigint` columns as numbers. */
  query<R>(sql: string, params?: unknown[]): Promise<R[]>;
  /** Closes the pool this object queries with (`drop` does too). */
  close(): Promise<void>;
  drop(): Promise<void>;
}

/** Creates `<prefix>_<time>_<random>` and applies init-db.sql to it. */
export async function createScratchDatabase(prefix: string): Promise<ScratchDatabase> {
  const name = `${prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 6)}`;
  await withClient(urlOf('postgres'), (c) => c.query(`CREATE DATABASE ${name}`));
  const url = urlOf(name);
  // No parameters: the simple query protocol runs the multi-statement script as it is.
  await withClient(url, (c) => c.query(readFileSync(INIT_DB_SQL, 'utf8')));
  const pool = new pg.Pool({ connectionString: url, max: 2, types: { getTypeParser: typeParser } });
  pool.on('error', () => {});
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await pool.end();
  };
  return {
    name,
    url,
    query: async <R>(sql: string, params?: unknown[]) => (await pool.query(sql, params)).rows as R[],
    close,
    async drop() {
      await close();
      await withClient(urlOf('postgres'), (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}

/** The server's version, e.g. "15.14 (Debian …)"; undefined when it cannot be reached. */
export async function serverVersion(): Promise<string | undefined> {
  try {
    const { rows } = await withClient(urlOf('postgres'), (c) => c.query<{ v: string }>("SELECT current_setting('server_version') AS v"));
    return rows[0]?.v;
  } catch {
    return undefined;
  }
}

function urlOf(database: string): string {
  const u = new URL(databaseUrl());
  u.pathname = `/${database}`;
  return u.toString();
}

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

const INT8 = 20;
/** int8 as a number (the tables' counts are small), everything else as pg parses it. */
function typeParser(oid: number, format?: 'text' | 'binary'): (value: string) => unknown {
  if (oid === INT8) return Number;
  return pg.types.getTypeParser(oid, format ?? 'text') as (value: string) => unknown;
}
