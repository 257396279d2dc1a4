import {
  count,
  countDistinct,
  hopping,
  streams,
  tumbling,
  type Sink,
  type StreamsApp,
  type WindowResult,
} from '@pipeline/streams';
import { ActivityEvent, eventTime, type EnrichedEvent } from 'activity-pipeline/events';
import { processingTimeClock } from 'activity-pipeline/processing-time';
import type { SessionRow } from 'activity-pipeline/sessions/session-row';
import { sessionTracker } from 'activity-pipeline/sessions/session-tracker';
import { activityPipeline } from 'activity-pipeline/topology';
import { nullSink } from './infra/sinks';

// One part of the activity pipeline at a time, each written as apps/activity-pipeline/src/topology.ts
// writes it (same operators, windows, names), on the same source. Keep them in step with that file.

const WATERMARK_MS = 2 * 60_000;
const SESSION_TIMEOUT_MS = 30 * 60_000;
const APPLICATION_ID = 'bench-stages';

function source(topic: string) {
  const app = streams({ applicationId: APPLICATION_ID });
  const events = app
    .source(topic, { value: ActivityEvent, key: (e) => e.user_id, timestamp: eventTime, deadLetter: nullSink() })
    .withWatermark(WATERMARK_MS);
  return { app, events };
}

/** Decoding and validation only: the source straight into a sink. */
export function decodeOnly(topic: string, sink: Sink<ActivityEvent> = nullSink()): StreamsApp {
  const { app, events } = source(topic);
  events.to(sink, { name: 'lake-sink' });
  return app;
}

/** Page views per URL per minute. */
export function pageViewsOnly(topic: string, sink: Sink<WindowResult<string, number>> = nullSink()): StreamsApp {
  const { app, events } = source(topic);
  events
    .filter((e) => e.event_type === 'page_view', { name: 'page-views-only' })
    .groupBy((e) => e.page_url, { name: 'by-page' })
    .window(tumbling('1m'))
    .aggregate(count(), { name: 'page-view-counts' })
    .to(sink, { name: 'page-view-counts-sink' });
  return app;
}

/** Distinct active users in 5-minute windows every minute. */
export function activeUsersOnly(topic: string, sink: Sink<WindowResult<null, number>> = nullSink()): StreamsApp {
  const { app, events } = source(topic);
  events
    .window(hopping({ size: '5m', advance: '1m' }), { name: 'active-users-window' })
    .aggregate(countDistinct((e) => e.user_id), { name: 'active-users' })
    .to(sink, { name: 'active-users-sink' });
  return app;
}

/** User sessions (keyed processor with event-time timers). */
export function sessionsOnly(topic: string, sink: Sink<SessionRow> = nullSink()): StreamsApp {
  const { app, events } = source(topic);
  events.groupByKey().process(sessionTracker(SESSION_TIMEOUT_MS)).to(sink, { name: 'user-sessions-sink' });
  return app;
}

/** The enriched events (a map per event) into a sink. */
export function enrichedOnly(topic: string, sink: Sink<EnrichedEvent> = nullSink()): StreamsApp {
  const { app, events } = source(topic);
  const processingTime = processingTimeClock(Date.now);
  events
    .map(
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
  return app;
}

/** The real topology (activityPipeline itself), every sink a null sink. */
export function wholeTopology(topic: string): StreamsApp {
  return activityPipeline(
    { applicationId: APPLICATION_ID, inputTopic: topic, watermarkDelayMs: WATERMARK_MS, sessionTimeoutMs: SESSION_TIMEOUT_MS },
    { pageViews: nullSink(), activeUsers: nullSink(), sessions: nullSink(), lake: nullSink(), enriched: nullSink(), deadLetters: nullSink() },
  );
}
