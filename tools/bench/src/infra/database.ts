import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { REPO_ROOT } from '../paths';

/** The server of the local stack (trust auth), or the one DATABASE_URL names; its database is not used. */
const SERVER_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/pipeline';

/** A database of its own for one step, with the tables of the repository's init-db.sql. */
export interface BenchDatabase {
  readonly name: string;
  readonly url: string;
  query<R>(sql: string, params?: unknown[]): Promise<R[]>;
  /** Closes the pool this object queries with (`drop` does too). */
  close(): Promise<void>;
  drop(): Promise<void>;
}

export async function createBenchDatabase(label: string): Promise<BenchDatabase> {
  const name = `bench_${label}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 6)}`;
  await withClient(urlOf('postgres'), (c) => c.query(`CREATE DATABASE ${name}`));
  const url = urlOf(name);
  // No parameters: the simple query protocol runs the multi-statement script as it is.
  await withClient(url, (c) => c.query(readFileSync(join(REPO_ROOT, 'init-db.sql'), 'utf8')));
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

/** `SELECT version()` of the server, e.g. "PostgreSQL 15.14". */
export async function serverVersion(): Promise<string | undefined> {
  try {
    const rows = await withClient(urlOf('postgres'), (c) => c.query<{ v: string }>("SELECT current_setting('server_version') AS v"));
    return rows.rows[0]?.v;
  } catch {
    return undefined;
  }
}

function urlOf(database: string): string {
  const u = new URL(SERVER_URL);
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
/** int8 as a number (counts), everything else as pg parses it. */
function typeParser(oid: number, format?: 'text' | 'binary'): (value: string) => unknown {
  if (oid === INT8) return Number;
  return pg.types.getTypeParser(oid, format ?? 'text') as (value: string) => unknown;
}
