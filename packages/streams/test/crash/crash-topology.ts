import type { Kysely } from 'kysely';
import { count, sinkThread, streams, tumbling, type Sink, type StreamsApp } from '../../src';
import { kafkaSink } from '../../src/connectors/kafka';
import { CrashEvent, type CrashDb } from './crash-schema';
import { countsSink, lakeSink, type countsSinkWithPool } from './crash-thread-sinks';

export { CrashEvent, ROLL_ROWS, type CrashDb } from './crash-schema';

/** What the output topic receives for each event. */
export interface EnrichedEvent extends CrashEvent {
  readonly enriched: true;
}

export const WATERMARK_DELAY_MS = 20_000;
export const WINDOW_MS = 60_000;

export interface CrashTopologyConfig {
  readonly applicationId: string;
  readonly inputTopic: string;
  readonly outputTopic: string;
  readonly lakeDir: string;
  readonly db: Kysely<CrashDb>;
  /** Wraps each sink (the fixture arms a crash point in their flush). Default: none. */
  readonly wrapSink?: <T>(sink: Sink<T>) => Sink<T>;
  /** Run the PostgreSQL and lake sinks in sink threads (each with a pool of its own on this database). */
  readonly sinkThreads?: { readonly databaseUrl: string };
}

const THREAD_SINKS = require.resolve('./crash-thread-sinks');

/**
 * The fixture's topology, with all three real sinks: per-page one-minute view counts upserted into
 * PostgreSQL (re-keyed, so windows live in repartition tasks), every event into the Parquet lake,
 * and every event, enriched, to the output topic. The first two may run in sink threads.
 * @example const app = crashTopology({ applicationId, inputTopic, outputTopic, lakeDir, db });
 */
export function crashTopology(config: CrashTopologyConfig): StreamsApp {
  const wrap = config.wrapSink ?? (<T>(sink: Sink<T>) => sink);
  const app = streams({ applicationId: config.applicationId });
  const events = app
    .source(config.inputTopic, { value: CrashEvent, key: (e) => e.user_id, timestamp: (e) => Date.parse(e.event_time) })
    .withWatermark(WATERMARK_DELAY_MS);
  const threads = config.sinkThreads;
  // One thread for both: the sinks share it as they would share the engine's thread.
  const thread = threads ? sinkThread({ name: 'crash-sinks' }) : undefined;
  const counts = thread
    ? thread.sink<typeof countsSinkWithPool>({ module: THREAD_SINKS, factory: 'countsSinkWithPool', args: threads!.databaseUrl })
    : countsSink(config.db);
  const lake = thread ? thread.sink<typeof lakeSink>({ module: THREAD_SINKS, factory: 'lakeSink', args: config.lakeDir }) : lakeSink(config.lakeDir);
  events
    .groupBy((e) => e.page_url)
    .window(tumbling(WINDOW_MS))
    .aggregate(count())
    .to(wrap(counts));
  events.to(wrap(lake));
  events.map((e): EnrichedEvent => ({ ...e, enriched: true })).to(wrap(kafkaSink({ topic: config.outputTopic, key: (e) => e.user_id })));
  return app;
}
