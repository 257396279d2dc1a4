import { streams, type Sink, type StreamsApp, type WindowResult } from '@pipeline/streams';
import type { ActivityEvent, EnrichedEvent } from 'activity-pipeline/events';
import type { SessionRow } from 'activity-pipeline/sessions/session-row';
import { activeUsers, activityEvents, activityPipeline, enrichedEvents, pageViewCounts, userSessions, type PipelineSettings, type PipelineSinks } from 'activity-pipeline/topology';
import { nullSink } from './infra/sinks';

// One branch of the activity pipeline at a time: the app's own branch functions
// (apps/activity-pipeline/src/topology.ts), on the app's own source, into a sink of the step's choosing.

const WATERMARK_MS = 2 * 60_000;
const SESSION_TIMEOUT_MS = 30 * 60_000;
/** The app's default MAX_TIME_AHEAD: the source's check runs here as in the app. */
const MAX_TIME_AHEAD_MS = 10 * 60_000;
const APPLICATION_ID = 'bench-stages';

function source(topic: string) {
  const app = streams({ applicationId: APPLICATION_ID });
  const events = activityEvents(app, { inputTopic: topic, watermarkDelayMs: WATERMARK_MS, maxTimeAheadMs: MAX_TIME_AHEAD_MS }, nullSink());
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
  pageViewCounts(events, sink);
  return app;
}

/** Distinct active users in 5-minute windows every minute. */
export function activeUsersOnly(topic: string, sink: Sink<WindowResult<null, number>> = nullSink()): StreamsApp {
  const { app, events } = source(topic);
  activeUsers(events, sink);
  return app;
}

/** User sessions (keyed processor with event-time timers). */
export function sessionsOnly(topic: string, sink: Sink<SessionRow> = nullSink()): StreamsApp {
  const { app, events } = source(topic);
  userSessions(events, SESSION_TIMEOUT_MS, sink);
  return app;
}

/** The enriched events (a map per event) into a sink. */
export function enrichedOnly(topic: string, sink: Sink<EnrichedEvent> = nullSink()): StreamsApp {
  const { app, events } = source(topic);
  enrichedEvents(events, sink, Date.now);
  return app;
}

/** The real topology (activityPipeline itself), every sink a null sink. */
export function wholeTopology(topic: string): StreamsApp {
  return activityPipeline(
    { applicationId: APPLICATION_ID, inputTopic: topic, watermarkDelayMs: WATERMARK_MS, maxTimeAheadMs: MAX_TIME_AHEAD_MS, sessionTimeoutMs: SESSION_TIMEOUT_MS },
    { pageViews: nullSink(), activeUsers: nullSink(), sessions: nullSink(), lake: nullSink(), enriched: nullSink(), deadLetters: nullSink() },
  );
}

/**
 * The least the reference app does with every event, as the app does it: decoded and validated
 * (bad records to the dead-letter topic), then written to the enriched topic; no aggregation, no
 * lake, no PostgreSQL. Run by the real runtime, it is the floor under the full pipeline's rate.
 */
export function decodeToEnriched(settings: PipelineSettings, sinks: Pick<PipelineSinks, 'enriched' | 'deadLetters'>): StreamsApp {
  const app = streams({ applicationId: settings.applicationId });
  enrichedEvents(activityEvents(app, settings, sinks.deadLetters), sinks.enriched, settings.now ?? Date.now);
  return app;
}

/** The topologies the profile scripts run, by the name given on their command line. */
export const PROFILED_TOPOLOGIES: Record<string, (topic: string) => StreamsApp> = {
  whole: wholeTopology,
  decode: (topic) => decodeOnly(topic),
  pageViews: (topic) => pageViewsOnly(topic),
  activeUsers: (topic) => activeUsersOnly(topic),
  sessions: (topic) => sessionsOnly(topic),
  enriched: (topic) => enrichedOnly(topic),
};
