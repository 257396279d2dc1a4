import { closingWith, type Sink, type WindowResult } from '../../src';
import { parquetSink } from '../../src/connectors/parquet';
import { createPostgresDb, postgresSink } from '../../src/connectors/postgres';
import type { Kysely } from 'kysely';
import { CrashEvent, ROLL_ROWS, type CrashDb } from './crash-schema';

// The crash fixture's PostgreSQL and lake sinks. With CRASH_SINK_THREADS=on they are made in sink
// threads from this module, each with its own pool; otherwise in process.

export function countsSink(db: Kysely<CrashDb>): Sink<WindowResult<string, number>> {
  return postgresSink({
    db,
    table: 'page_view_counts',
    key: ['page_url', 'window_start'],
    row: (r: WindowResult<string, number>) => ({ page_url: r.key, window_start: new Date(r.windowStart), window_end: new Date(r.windowEnd), view_count: r.value }),
  });
}

/** `countsSink` on a pool of its own, closed with the sink: what a sink thread makes. */
export function countsSinkWithPool(databaseUrl: string): Sink<WindowResult<string, number>> {
  const db = createPostgresDb<CrashDb>(databaseUrl, { max: 2 });
  return closingWith(countsSink(db), () => db.destroy());
}

export function lakeSink(dir: string): Sink<CrashEvent> {
  return parquetSink({ dir, schema: CrashEvent, rollRows: ROLL_ROWS });
}
