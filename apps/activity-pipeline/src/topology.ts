import {
  count,
  countDistinct,
  hopping,
  streams,
  tumbling,
  type DeadLetter,
  type Sink,
  type StreamsApp,
  type WindowResult,
} from '@pipeline/streams';
import { ActivityEvent, eventTime, type EnrichedEvent } from './events';
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
  readonly sessionTimeoutMs: number;
  /** Wall clock for `processing_time` (virtual in tests). */
  readonly now?: () => number;
}

/**
 * The activity pipeline, all of it: page views per URL per minute, distinct active users in
 * 5-minute windows every minute, user sessions, the lake, the enriched topic, dead letters.
 */
export function activityPipeline(settings: PipelineSettings, sinks: PipelineSinks): StreamsApp {
  const app = streams({ applicationId: settings.applicationId });
  const processingTime = processingTimeClock(settings.now ?? Date.now);

  const events = app
    .source(settings.inputTopic, { value: ActivityEvent, key: (e) => e.user_id, timestamp: eventTime, deadLetter: sinks.deadLetters })
    .withWatermark(settings.watermarkDelayMs);

  events
    .filter((e) => e.event_type === 'page_view', { name: 'page-views-only' })
    .groupBy((e) => e.page_url, { name: 'by-page' })
    .window(tumbling('1m'))
    .aggregate(count(), { name: 'page-view-counts' })
    .to(sinks.pageViews, { name: 'page-view-counts-sink' });

  events
    .window(hopping({ size: '5m', advance: '1m' }), { name: 'active-users-window' })
    .aggregate(countDistinct((e) => e.user_id), { name: 'active-users' })
    .to(sinks.activeUsers, { name: 'active-users-sink' });

  events.groupByKey().process(sessionTracker(settings.sessionTimeoutMs)).to(sinks.sessions, { name: 'user-sessions-sink' });

  events.to(sinks.lake, { name: 'lake-sink' });

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
    .to(sinks.enriched, { name: 'enriched-sink' });

  return app;
}
