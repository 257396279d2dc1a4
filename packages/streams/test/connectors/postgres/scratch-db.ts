import { randomBytes } from 'node:crypto';
import { Kysely, PostgresDialect, type ColumnType, type LogEvent } from 'kysely';
import pg from 'pg';
import type { Logger } from '../../../src';
import { createPostgresDb } from '../../../src/connectors/postgres';

/** The real server of this machine (trust auth), or the one `DATABASE_URL` names. */
export const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * An exactly-once sink inserting into `events_log`, whose key is the input position: a record
 * written twice is a key violation, so these tests see any duplicate.
 */
export const EXACTLY_ONCE_EVENTS_LOG = { table: 'events_log', key: ['topic', 'partition', 'offset'], mode: 'insert', exactlyOnce: true } as const;

/** The tables of the tests, in kysely's terms (init-db.sql's shapes). */
export interface TestDb {
  page_view_counts: {
    page_url: string;
    window_start: Date;
    window_end: Date;
    view_count: number;
    updated_at: ColumnType<Date, Date | undefined, Date>;
  };
  events_log: {
    topic: string;
    partition: number;
    offset: number;
    user_id: string;
  };
  /** Append-only, no primary key: a duplicate insert shows as a second row. */
  clicks: {
    user_id: string;
    event_time: Date;
    page_url: string;
  };
}

export const CREATE_TABLES = `
  create table page_view_counts (
    page_url     text        not null,
    window_start timestamptz not null,
    window_end   timestamptz not null,
    view_count   bigint      not null check (view_count >= 0),
    updated_at   timestamptz not null default now(),
    primary key (page_url, window_start)
  );
  create table events_log (
    topic     text    not null,
    partition integer not null,
    "offset"  bigint  not null,
    user_id   text    not null,
    primary key (topic, partition, "offset")
  );
  create table clicks (
    user_id    text        not null,
    event_time timestamptz not null,
    page_url   text        not null
  );`;

/** A schema of its own per test file, first on the search path of every connection made here. */
export interface Scratch {
  readonly schema: string;
  /** A connection string whose sessions use the scratch schema. */
  readonly url: string;
  /** An administrative connection (same schema), for checks and sabotage. */
  readonly admin: pg.Pool;
  /** Opens a kysely instance on the scratch schema; closed by `drop()`. */
  db(options?: { max?: number; log?: (event: LogEvent) => void; url?: string }): Kysely<TestDb>;
  /** Rows of a table, ordered by its first columns. */
  rows<R>(query: string, values?: unknown[]): Promise<R[]>;
  drop(): Promise<void>;
}

export async function scratchSchema(name: string): Promise<Scratch> {
  // `pg_` names are reserved for the system: one prefix of our own makes leftovers easy to find.
  const schema = `streams_test_${name}_${randomBytes(4).toString('hex')}`;
  const url = withSearchPath(DATABASE_URL, schema);
  const setup = new pg.Client({ connectionString: DATABASE_URL });
  await setup.connect();
  try {
    await setup.query(`create schema ${schema}`);
  } finally {
    await setup.end();
  }
  const admin = new pg.Pool({ connectionString: url, max: 2 });
  admin.on('error', () => {});
  await admin.query(CREATE_TABLES);
  const dbs: Array<Kysely<TestDb>> = [];
  return {
    schema,
    url,
    admin,
    db(options = {}) {
      const db =
        options.log === undefined && options.url === undefined
          ? createPostgresDb<TestDb>(url, { max: options.max ?? 4 })
          : new Kysely<TestDb>({
              dialect: new PostgresDialect({ pool: quietPool(options.url ?? url, options.max ?? 4) }),
              ...(options.log ? { log: options.log } : {}),
            });
      dbs.push(db);
      return db;
    },
    async rows<R>(query: string, values: unknown[] = []) {
      return (await admin.query(query, values)).rows as R[];
    },
    async drop() {
      await Promise.all(dbs.map((db) => db.destroy()));
      await admin.query(`drop schema ${schema} cascade`);
      await admin.end();
    },
  };
}

/** `options=-c search_path=...`: node-postgres passes it to the server at connection start. */
export function withSearchPath(url: string, schema: string): string {
  const u = new URL(url);
  u.searchParams.set('options', `-c search_path=${schema}`);
  return u.toString();
}

function quietPool(connectionString: string, max: number): pg.Pool {
  const pool = new pg.Pool({ connectionString, max, connectionTimeoutMillis: 2000 });
  pool.on('error', () => {}); // as createPostgresDb does: connections are cut on purpose here
  pool.on('connect', (client) => client.on('error', () => {}));
  return pool;
}

export interface LogLine {
  readonly level: string;
  readonly message: string;
  readonly fields: Record<string, unknown>;
}

/** A logger that keeps what it is given, to check the retry warnings; `onLine` sees each line as it comes. */
export function recordingLogger(onLine: (line: LogLine) => void = () => {}): Logger & { readonly lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at =
    (level: string) =>
    (message: string, fields: Record<string, unknown> = {}) => {
      const line = { level, message, fields };
      lines.push(line);
      onLine(line);
    };
  const logger = { lines, error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug'), child: () => logger };
  return logger;
}
