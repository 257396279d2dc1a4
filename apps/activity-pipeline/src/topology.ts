import {
  count,
  countDistinct,
  hopping,
  streams,
  tumbling,
  type DeadLetter,
  type ProcessingErrors,
  type Sink,
  type StoreFactory,
  type Stream,
  type StreamsApp,
  type WindowResult,
} from '@pipeline/streams';
import { ActivityEvent, eventTime, MAX_EVENT_BYTES, type EnrichedEvent } from './events';
import { processingTimeClock } from './processing-time';
import type { SessionRow } from './sessions/session-row';
import { sessionTracker } from './sessions/session-tracker';

/** Where the pipeline's results go; the app passes real sinks, tests pass memory sinks. */
export interface PipelineSinks {
  readonly pageViews: Sink<WindowResult<string, number>>;
  readonly activeUsers: Sink<WindowResult<null, number>>;
  readonly sessions: Sink<SessionRow>;
  readonly lake: Sink<ActivityEvent>;
  readonly enriched: Sink<EnrichedEvent>;
  readonly deadLetters: Sink<DeadLetter>;
}

export interface PipelineSettings {
  readonly applicationId: string;
  readonly inputTopic: string;
  readonly watermarkDelayMs: number;
  /** Event times further ahead of their record's Kafka timestamp (or the wall clock, if earlier) are dead-lettered (default: no bound). */
  readonly maxTimeAheadMs?: number;
  /** What a valid event the pipeline's own code throws on does (default 'dead-letter'): see SourceOptions.processingErrors. */
  readonly processingErrors?: ProcessingErrors;
  readonly sessionTimeoutMs: number;
  /** Where the session tracker keeps its state and timers (default: in memory). */
  readonly sessionStore?: StoreFactory;
  /** Wall clock for `processing_time` (virtual in tests). */
  readonly now?: () => number;
}

/** The validated events of the input topic, keyed by user_id, with their event-time watermark. */
export type ActivityEvents = Stream<ActivityEvent, string>;

/**
 * The activity pipeline, all of it: page views per URL per minute, distinct active users in
 * 5-minute windows every minute, user sessions, the lake, the enriched topic, dead letters.
 * Each branch is its own function below, so the benchmark can run one at a time.
 */
export function activityPipeline(settings: PipelineSettings, sinks: PipelineSinks): StreamsApp {
  const app = streams({ applicationId: settings.applicationId });
  const events = activityEvents(app, settings, sinks.deadLetters);
  pageViewCounts(events, sinks.pageViews);
  activeUsers(events, sinks.activeUsers);
  userSessions(events, settings.sessionTimeoutMs, sinks.sessions, settings.sessionStore);
  events.to(sinks.lake, { name: 'lake-sink' });
  enrichedEvents(events, sinks.enriched, settings.now ?? Date.now);
  return app;
}

export function activityEvents(
  app: StreamsApp,
  settings: Pick<PipelineSettings, 'inputTopic' | 'watermarkDelayMs' | 'maxTimeAheadMs' | 'processingErrors'>,
  deadLetters: Sink<DeadLetter>,
): ActivityEvents {
  return app
    .source(settings.inputTopic, {
      value: ActivityEvent,
      key: (e) => e.user_id,
      timestamp: eventTime,
      maxValueBytes: MAX_EVENT_BYTES,
      ...(settings.maxTimeAheadMs !== undefined ? { maxTimeAhead: settings.maxTimeAheadMs } : {}),
      deadLetter: deadLetters,
      // A record the code below throws on (a bug met by one shape of event) is set aside with
      // the error, rather than stop the pipeline at every restart (PROCESSING_ERRORS=stop does).
      processingErrors: settings.processingErrors ?? 'dead-letter',
    })
    .withWatermark(settings.watermarkDelayMs);
}

/** Page views per URL in 1-minute tumbling windows. */
export function pageViewCounts(events: ActivityEvents, sink: Sink<WindowResult<string, number>>): void {
  events
    .filter((e) => e.event_type === 'page_view', { name: 'page-views-only' })
    .groupBy((e) => e.page_url, { name: 'by-page' })
    .window(tumbling('1m'))
    .aggregate(count(), { name: 'page-view-counts' })
    .to(sink, { name: 'page-view-counts-sink' });
}

/** Distinct users in 5-minute windows advancing every minute. */
export function activeUsers(events: ActivityEvents, sink: Sink<WindowResult<null, number>>): void {
  events
    .window(hopping({ size: '5m', advance: '1m' }), { name: 'active-users-window' })
    .aggregate(countDistinct((e) => e.user_id), { name: 'active-users' })
    .to(sink, { name: 'active-users-sink' });
}

/** Sessions per user: a keyed processor with an event-time timeout. */
export function userSessions(events: ActivityEvents, sessionTimeoutMs: number, sink: Sink<SessionRow>, store?: StoreFactory): void {
  events
    .groupByKey()
    .process(sessionTracker(sessionTimeoutMs), store ? { store } : {})
    .to(sink, { name: 'user-sessions-sink' });
}

/** Every event with the wall-clock time it was processed. */
export function enrichedEvents(events: ActivityEvents, sink: Sink<EnrichedEvent>, now: () => number): void {
  const processingTime = processingTimeClock(now);
  events
    .map(
      // An object literal, not a spread: this runs for every event.
      (e): EnrichedEvent => ({
        event_time: e.event_time,
        user_id: e.user_id,
        page_url: e.page_url,
        event_type: e.event_type,
        processing_time: processingTime(),
      }),
      { name: 'enrich' },
    )
    .to(sink, { name: 'enriched-sink' });
}
