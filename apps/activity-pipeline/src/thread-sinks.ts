import { closingWith, type Sink } from '@pipeline/streams';
import { parquetSink } from '@pipeline/streams/parquet';
import { createPostgresDb, postgresSink } from '@pipeline/streams/postgres';
import type { Kysely } from 'kysely';
import { TABLE_KEYS, type Database } from './db';
import { ActivityEvent } from './events';
import type { SessionRow } from './sessions/session-row';

/**
 * The sinks that may run in a thread of their own (`sinkThread`): each is made from plain data,
 * and this module loads nothing that a worker thread cannot load: node-rdkafka, loaded by the
 * engine's thread, refuses to load in a second one ("Module did not self-register").
 */

/** The Parquet lake by event date. */
export function lakeSink(dir: string): Sink<ActivityEvent> {
  return parquetSink({ dir, schema: ActivityEvent });
}

/** `user_sessions`, through a pool of its own that closes with the sink (in a thread: that thread's pool). */
export function sessionsSinkWithPool(args: { databaseUrl: string; applicationId: string }): Sink<SessionRow> {
  const db = createPostgresDb<Database>(args.databaseUrl, { max: 2, applicationName: `${args.applicationId}-sessions` });
  return closingWith(sessionsSink(db), () => db.destroy());
}

export function sessionsSink(db: Kysely<Database>): Sink<SessionRow> {
  const now = () => new Date();
  return postgresSink({
    db,
    table: 'user_sessions',
    key: TABLE_KEYS.user_sessions,
    refusedRows: 'set-aside',
    row: (s: SessionRow) => ({
      user_id: s.user_id,
      session_start: new Date(s.session_start),
      session_end: s.session_end === null ? null : new Date(s.session_end),
      duration_seconds: s.duration_seconds,
      status: s.status,
      event_count: s.event_count,
      last_event_time: new Date(s.last_event_time),
      updated_at: now(),
    }),
  });
}
