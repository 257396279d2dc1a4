import type { WindowResult } from '@pipeline/streams';
import { deadLetterSink, kafkaSink } from '@pipeline/streams/kafka';
import { parquetSink } from '@pipeline/streams/parquet';
import { postgresSink } from '@pipeline/streams/postgres';
import type { Kysely } from 'kysely';
import type { Config } from './config';
import { TABLE_KEYS, type Database } from './db';
import { ActivityEvent } from './events';
import type { SessionRow } from './sessions/session-row';
import type { PipelineSinks } from './topology';

/**
 * The real sinks: three PostgreSQL tables (upserts of absolute values: a replay rewrites the same
 * rows), the Parquet lake by event date, the enriched topic keyed by user, the dead-letter topic.
 */
export function productionSinks(config: Config, db: Kysely<Database>): PipelineSinks {
  const now = () => new Date();
  return {
    pageViews: postgresSink({
      db,
      table: 'page_view_counts',
      key: TABLE_KEYS.page_view_counts,
      row: (r: WindowResult<string, number>) => ({
        page_url: r.key,
        window_start: new Date(r.windowStart),
        window_end: new Date(r.windowEnd),
        view_count: r.value,
        updated_at: now(),
      }),
    }),
    activeUsers: postgresSink({
      db,
      table: 'active_users',
      key: TABLE_KEYS.active_users,
      row: (r: WindowResult<null, number>) => ({
        window_start: new Date(r.windowStart),
        window_end: new Date(r.windowEnd),
        active_users: r.value,
        updated_at: now(),
      }),
    }),
    sessions: postgresSink({
      db,
      table: 'user_sessions',
      key: TABLE_KEYS.user_sessions,
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
    }),
    lake: parquetSink({ dir: config.lakeDir, schema: ActivityEvent }),
    enriched: kafkaSink({ topic: config.enrichedTopic, key: (e) => e.user_id }),
    deadLetters: deadLetterSink({ topic: config.deadLetterTopic }),
  };
}
