import { sinkThread, type SinkThread, type WindowResult } from '@pipeline/streams';
import { deadLetterSink, kafkaSink } from '@pipeline/streams/kafka';
import { postgresSink } from '@pipeline/streams/postgres';
import type { Kysely } from 'kysely';
import type { Config } from './config';
import { TABLE_KEYS, type Database } from './db';
import { lakeSink, sessionsSink, type sessionsSinkWithPool } from './thread-sinks';
import type { PipelineSinks } from './topology';

/** The module the sink thread makes its sinks from. */
const THREAD_SINKS = require.resolve('./thread-sinks');

/**
 * The thread of the lake and `user_sessions` sinks with SINK_THREADS=on (the default), undefined
 * with off. One thread for both: each thread is a heap of its own (~25 MB of code through tsx,
 * then its young generation), and one keeps up with both here (busy ~35-70 % of the time). A young
 * generation of 8 MB instead of V8's up to 48 MB: at a million users, peak RSS 470 MB against
 * 569 MB with two threads of V8's default (the memory target is 500 MB).
 */
export function pipelineSinkThread(config: Config): SinkThread | undefined {
  return config.sinkThreads === 'on' ? sinkThread({ name: 'sinks', resourceLimits: { maxYoungGenerationSizeMb: 8 } }) : undefined;
}

/**
 * The real sinks: three PostgreSQL tables (upserts of absolute values: a replay rewrites the same
 * rows; a row a table refuses goes to `streams_refused_rows` rather than stopping the app), the Parquet lake by event date, the enriched topic keyed by user, the dead-letter topic.
 * Given a sink thread (pipelineSinkThread), the two costliest, the lake and `user_sessions`, run
 * in it (see thread-sinks.ts); the Kafka sinks stay on the engine's thread, which owns
 * node-rdkafka (and, exactly once, its transaction).
 */
export function productionSinks(config: Config, db: Kysely<Database>, thread: SinkThread | undefined): PipelineSinks {
  const now = () => new Date();
  return {
    pageViews: postgresSink({
      db,
      table: 'page_view_counts',
      key: TABLE_KEYS.page_view_counts,
      refusedRows: 'set-aside',
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
      refusedRows: 'set-aside',
      row: (r: WindowResult<null, number>) => ({
        window_start: new Date(r.windowStart),
        window_end: new Date(r.windowEnd),
        active_users: r.value,
        updated_at: now(),
      }),
    }),
    sessions: thread
      ? thread.sink<typeof sessionsSinkWithPool>({
          module: THREAD_SINKS,
          factory: 'sessionsSinkWithPool',
          args: { databaseUrl: config.databaseUrl, applicationId: config.applicationId },
          name: 'user_sessions',
        })
      : sessionsSink(db),
    lake: thread ? thread.sink<typeof lakeSink>({ module: THREAD_SINKS, factory: 'lakeSink', args: config.lakeDir, name: config.lakeDir }) : lakeSink(config.lakeDir),
    enriched: kafkaSink({ topic: config.enrichedTopic, key: (e) => e.user_id }),
    deadLetters: deadLetterSink({ topic: config.deadLetterTopic }),
  };
}
