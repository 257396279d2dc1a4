import type { Insertable, Kysely } from 'kysely';
import type { Sink } from '../../sinks/sink';
import { parseDuration, type Duration } from '../../time/duration';
import { postgresWriter } from './postgres-writer';
import { withRetry, type RetryOptions } from './retry';
import { refusedRowsTable } from './refused-rows';
import { offsetsTable } from './sink-offsets';
import { untyped } from './untyped-db';
import { checkTable, columnTypes } from './verify-table';
import type { Row } from './write-buffer';

/**
 * The row type `R` a mapper returns, with every property the table lacks turned into `never`. A
 * mapper's object literal is not checked for excess properties when its type is inferred, and an
 * extra property would become a column of the INSERT: this makes it a compile error instead.
 */
export type OnlyColumns<R, Table> = R & { readonly [K in Exclude<keyof R, keyof Table>]: never };

export interface PostgresSinkOptions<DB, TB extends keyof DB & string, T, R extends Insertable<DB[TB]> = Insertable<DB[TB]>> {
  /** The application's kysely instance. The sink never closes it: destroy it after the engine closed. */
  readonly db: Kysely<DB>;
  /** The table written, as kysely names it (`'schema.table'` works). */
  readonly table: TB;
  /** The primary key columns: the conflict target of upserts and what a retraction deletes by. */
  readonly key: readonly (keyof DB[TB] & string)[];
  /**
   * Maps a result to its row, with absolute values (a count, not an increment), so that writing
   * it again after a crash rewrites the same row. Columns left out keep their value on update and
   * get their default on insert.
   */
  readonly row: (value: T) => OnlyColumns<R, DB[TB]>;
  /**
   * `upsert` (default): `INSERT ... ON CONFLICT (key) DO UPDATE`, the last record per key wins.
   * `insert`: plain inserts, for append-only tables; a replay inserts again unless `exactlyOnce`.
   */
  readonly mode?: 'upsert' | 'insert';
  /**
   * Stores, in the transaction that writes the rows, the input offsets they reflect, and after a
   * restart skips replayed pass-through records whose output is already in the table.
   */
  readonly exactlyOnce?: boolean;
  /** Table of those offsets, created if missing. Default `streams_sink_offsets`. */
  readonly offsetsTable?: string;
  /**
   * With `exactlyOnce`: how long the claim of newly assigned partitions waits for another
   * session's transaction on their offsets rows (the previous owner's last flush) before it fails
   * with a message naming that session, and is tried again (`retry`). Default `'10s'`.
   */
  readonly claimLockTimeout?: Duration;
  /**
   * What a row the table refuses for its values does (SQLSTATE class 22, 23, 21000, 54000: a value
   * that does not fit its column, a violated check, not-null, foreign-key or unique constraint, a
   * key too long for its index):
   * - `'stop'` (default): the flush fails and the sink stops, and the row is tried again at every
   *   restart (a poison pill, as with Kafka Streams' default production handler);
   * - `'set-aside'`: the row goes to `refusedRowsTable`, with the SQLSTATE and the reason, in the
   *   transaction that writes the others, and the flush goes on. Each such flush is logged as a
   *   warning. Errors that would refuse every row alike (a missing table or column) still stop.
   */
  readonly refusedRows?: 'stop' | 'set-aside';
  /** Table of refused rows (`refusedRows: 'set-aside'`), created if missing. Default `streams_refused_rows`. */
  readonly refusedRowsTable?: string;
  /** Rows per statement. Default 1000 (fewer when the columns would pass PostgreSQL's 65,535 parameters). */
  readonly batchSize?: number;
  /** Retries of transient failures (connection lost, deadlock, server restarting). */
  readonly retry?: RetryOptions;
  /**
   * Names the sink in logs and errors, and (after the application id) in the offsets table. Default:
   * the table. Two sinks of one application writing the same table need different names.
   */
  readonly name?: string;
}

/** The largest `lock_timeout` PostgreSQL takes, in ms. */
const MAX_LOCK_TIMEOUT_MS = 2 ** 31 - 1;

/**
 * A sink that writes results to a PostgreSQL table through kysely: buffered, flushed in one
 * transaction per commit, upserted by key with absolute values so that replays are harmless.
 * @example
 * interface Db { page_view_counts: { page_url: string; window_start: Date; window_end: Date; view_count: number } }
 * const db = createPostgresDb<Db>(process.env.DATABASE_URL!);
 * counts.to(
 *   postgresSink({
 *     db,
 *     table: 'page_view_counts',
 *     key: ['page_url', 'window_start'],
 *     row: (r: WindowResult<string, number>) => ({
 *       page_url: r.key,
 *       window_start: new Date(r.windowStart),
 *       window_end: new Date(r.windowEnd),
 *       view_count: r.value,
 *     }),
 *   }),
 * );
 */
export function postgresSink<DB, TB extends keyof DB & string, T, R extends Insertable<DB[TB]> = Insertable<DB[TB]>>(
  options: PostgresSinkOptions<DB, TB, T, R>,
): Sink<T> {
  const mode = options.mode ?? 'upsert';
  const batchSize = options.batchSize ?? 1000;
  const name = options.name ?? options.table;
  const label = `postgres sink ${name}`;
  if (options.key.length === 0) throw new Error(`${label}: key must name at least one column`);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`${label}: batchSize must be a positive integer, not ${batchSize}`);
  const key: readonly string[] = options.key;
  const retry = options.retry ?? {};
  const refusedRows = options.refusedRows ?? 'stop';
  if (refusedRows !== 'stop' && refusedRows !== 'set-aside') throw new Error(`${label}: refusedRows must be 'stop' or 'set-aside', not ${String(refusedRows)}`);
  const claimLockTimeoutMs = Math.ceil(parseDuration(options.claimLockTimeout ?? '10s', `${label}: claimLockTimeout`));
  // PostgreSQL takes lock_timeout in whole ms up to 2^31 - 1 (about 24.8 days), and reads 0 as "wait for ever".
  if (claimLockTimeoutMs < 1 || claimLockTimeoutMs > MAX_LOCK_TIMEOUT_MS) {
    throw new RangeError(`${label}: claimLockTimeout must be from 1 ms to ${MAX_LOCK_TIMEOUT_MS} ms (about 24 days), got ${String(options.claimLockTimeout)}`);
  }

  return {
    kind: 'postgres',
    target: options.table,
    async open(context) {
      const db = untyped(options.db);
      const logger = context.logger;
      const retryContext = { label, table: options.table, logger, action: 'open' };
      const problem = await withRetry(() => checkTable(db, { table: options.table, key, uniqueKey: mode === 'upsert' }), retry, retryContext);
      if (problem !== undefined) throw new Error(`${label}: ${problem}`);

      const sinkId = `${context.applicationId}.${name}`;
      let offsets: { table: ReturnType<typeof offsetsTable>; sinkId: string } | undefined;
      if (options.exactlyOnce === true) {
        const table = offsetsTable(db, options.offsetsTable ?? 'streams_sink_offsets', { claimLockTimeoutMs });
        await withRetry(() => table.ensure(), retry, retryContext);
        offsets = { table, sinkId };
      } else if (mode === 'insert') {
        logger.warn(`${label}: insert mode without exactlyOnce inserts replayed records again after a crash (at-least-once)`);
      }
      let setAside: { table: ReturnType<typeof refusedRowsTable>; sinkId: string } | undefined;
      if (refusedRows === 'set-aside') {
        const table = refusedRowsTable(db, options.refusedRowsTable ?? 'streams_refused_rows');
        await withRetry(() => table.ensure(), retry, retryContext);
        setAside = { table, sinkId };
      }
      return postgresWriter<T>({
        db,
        target: { table: options.table, key, mode, batchSize, types: await withRetry(() => columnTypes(db, options.table), retry, retryContext) },
        // Insertable<DB[TB]> is a plain object of column values; the cast forgets which ones.
        row: (value) => options.row(value) as Row,
        ...(offsets ? { offsets } : {}),
        ...(setAside ? { refusedRows: setAside } : {}),
        retry,
        label,
        logger,
      });
    },
  };
}
