import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import pg from 'pg';

/** The server of the local stack (trust auth), or the one DATABASE_URL names; its database is not used. */
const SERVER_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/pipeline';
const INIT_DB_SQL = resolve(__dirname, '../../../../../init-db.sql');

export interface ScratchDatabase {
  readonly name: string;
  readonly url: string;
  /** Rows of a query, with `bigint` columns as numbers. */
  rows<R>(sql: string): Promise<R[]>;
  drop(): Promise<void>;
}

/** A database of its own (`pipeline_e2e_<random>`) with the tables of the repository's init-db.sql. */
export async function scratchDatabase(): Promise<ScratchDatabase> {
  const name = `pipeline_e2e_${randomBytes(4).toString('hex')}`;
  await withClient(urlOf('postgres'), (c) => c.query(`CREATE DATABASE ${name}`));
  const url = urlOf(name);
  // No parameters: the simple query protocol runs the multi-statement script as it is.
  await withClient(url, (c) => c.query(readFileSync(INIT_DB_SQL, 'utf8')));
  return {
    name,
    url,
    rows: <R>(sql: string) => withClient(url, async (c) => (await c.query({ text: sql, types: { getTypeParser: typeParser } })).rows as R[]),
    drop: () => withClient(urlOf('postgres'), (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
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
/** int8 as a number (the tables' counts are small), everything else as pg parses it. */
function typeParser(oid: number, format?: 'text' | 'binary'): (value: string) => unknown {
  if (oid === INT8) return Number;
  return pg.types.getTypeParser(oid, format ?? 'text') as (value: string) => unknown;
}
