import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Logger } from '../../logging/logger';

export interface PostgresDbOptions {
  /** Connections in the pool. Default 10. */
  readonly max?: number;
  /** Shown in `pg_stat_activity.application_name`. */
  readonly applicationName?: string;
  /** Where a pooled connection's failure while idle is reported (the pool replaces it). */
  readonly logger?: Logger;
}

/** OID of `bigint` (int8). */
const INT8 = 20;

/**
 * `bigint` columns (counts, offsets) as JavaScript numbers instead of `pg`'s strings, for this
 * pool only: `pg.types.setTypeParser` would change every pool of the process, the application's
 * other code included. A value beyond 2^53 cannot be a number without losing digits: it stays
 * the exact decimal string rather than silently becoming another number.
 */
const int8AsNumber: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8 && format !== 'binary'
      ? (text: string) => {
          const n = Number(text);
          return Number.isSafeInteger(n) ? n : text;
        }
      : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
};

/**
 * A kysely instance on a `pg` pool, with `bigint` read as number. The caller owns it: call
 * `db.destroy()` once nothing uses it (after `engine.close()`).
 * @example
 * const db = createPostgresDb<Database>(process.env.DATABASE_URL ?? 'postgres://postgres@localhost:5432/postgres', { max: 4 });
 */
export function createPostgresDb<DB>(connectionString: string, options: PostgresDbOptions = {}): Kysely<DB> {
  const pool = new pg.Pool({
    connectionString,
    max: options.max ?? 10,
    types: int8AsNumber,
    ...(options.applicationName !== undefined ? { application_name: options.applicationName } : {}),
  });
  // `pg` emits 'error' on a client whose connection dies, and an 'error' event nobody listens to
  // crashes the process: a database restart would kill the pipeline instead of being retried.
  // Idle clients report to the pool; a client in use also fails its query, which the caller sees.
  pool.on('error', (error) => options.logger?.warn('an idle PostgreSQL connection failed; the pool replaces it', { error: error.message }));
  pool.on('connect', (client) => client.on('error', () => {}));
  return new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
}
