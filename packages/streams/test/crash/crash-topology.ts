import { Type, type Static } from '@sinclair/typebox';
import type { Kysely } from 'kysely';
import { count, streams, tumbling, type Sink, type StreamsApp } from '../../src';
import { kafkaSink } from '../../src/connectors/kafka';
import { parquetSink } from '../../src/connectors/parquet';
import { postgresSink } from '../../src/connectors/postgres';

/** The events of the crash test: an id to tell each one apart in every output. */
export const CrashEvent = Type.Object({
  id: Type.String(),
  event_time: Type.String({ format: 'date-time' }),
  user_id: Type.String(),
  page_url: Type.String(),
  event_type: Type.Union([Type.Literal('page_view'), Type.Literal('click')]),
});
export type CrashEvent = Static<typeof CrashEvent>;

/** What the output topic receives for each event. */
export interface EnrichedEvent extends CrashEvent {
  readonly enriched: true;
}

export const WATERMARK_DELAY_MS = 20_000;
export const WINDOW_MS = 60_000;
/** Small: most commits roll a file (a commit covers 40-60 records), so crashes in a commit land after rolls. */
export const ROLL_ROWS = 50;

/** The PostgreSQL table of the counts (a scratch schema's `page_view_counts`). */
export interface CrashDb {
  page_view_counts: {
    page_url: string;
    window_start: Date;
    window_end: Date;
    view_count: number;
  };
}

export interface CrashTopologyConfig {
  readonly applicationId: string;
  readonly inputTopic: string;
  readonly outputTopic: string;
  readonly lakeDir: string;
  readonly db: Kysely<CrashDb>;
  /** Wraps each sink (the fixture arms a crash point in their flush). Default: none. */
  readonly wrapSink?: <T>(sink: Sink<T>) => Sink<T>;
}

/**
 * The fixture's topology, with all three real sinks: per-page one-minute view counts upserted into
 * PostgreSQL (re-keyed, so windows live in repartition tasks), every event into the Parquet lake,
 * and every event, enriched, to the output topic.
 * @example const app = crashTopology({ applicationId, inputTopic, outputTopic, lakeDir, db });
 */
export function crashTopology(config: CrashTopologyConfig): StreamsApp {
  const wrap = config.wrapSink ?? (<T>(sink: Sink<T>) => sink);
  const app = streams({ applicationId: config.applicationId });
  const events = app
    .source(config.inputTopic, { value: CrashEvent, key: (e) => e.user_id, timestamp: (e) => Date.parse(e.event_time) })
    .withWatermark(WATERMARK_DELAY_MS);
  events
    .groupBy((e) => e.page_url)
    .window(tumbling(WINDOW_MS))
    .aggregate(count())
    .to(
      wrap(
        postgresSink({
          db: config.db,
          table: 'page_view_counts',
          key: ['page_url', 'window_start'],
          row: (r) => ({ page_url: r.key, window_start: new Date(r.windowStart), window_end: new Date(r.windowEnd), view_count: r.value }),
        }),
      ),
    );
  events.to(wrap(parquetSink({ dir: config.lakeDir, schema: CrashEvent, rollRows: ROLL_ROWS })));
  events.map((e): EnrichedEvent => ({ ...e, enriched: true })).to(wrap(kafkaSink({ topic: config.outputTopic, key: (e) => e.user_id })));
  return app;
}
