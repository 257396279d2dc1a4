import { memorySink, type DeadLetter, type StoreFactory, type WindowResult } from '@pipeline/streams';
import type { ActivityEvent, EnrichedEvent } from '../src/events';
import type { SessionRow } from '../src/sessions/session-row';
import { activityPipeline, type PipelineSinks } from '../src/topology';

export const T0 = Date.UTC(2024, 0, 1, 12, 0, 0);
export const SEC = 1000;
export const MIN = 60 * SEC;

export function ev(offsetMs: number, user: string, type: ActivityEvent['event_type'], page = '/'): ActivityEvent {
  return { event_time: new Date(T0 + offsetMs).toISOString(), user_id: user, page_url: page, event_type: type };
}

export function memorySinks() {
  return {
    pageViews: memorySink<WindowResult<string, number>>('page_view_counts'),
    activeUsers: memorySink<WindowResult<null, number>>('active_users'),
    sessions: memorySink<SessionRow>('user_sessions'),
    lake: memorySink<ActivityEvent>('lake'),
    enriched: memorySink<EnrichedEvent>('enriched_activity'),
    deadLetters: memorySink<DeadLetter>('dead_letters'),
  } satisfies PipelineSinks;
}

export function pipeline(options: { sessionTimeoutMs?: number; watermarkDelayMs?: number; now?: () => number; sessionStore?: StoreFactory } = {}) {
  const sinks = memorySinks();
  const app = activityPipeline(
    {
      applicationId: 'activity-pipeline-test',
      inputTopic: 'user_activity',
      watermarkDelayMs: options.watermarkDelayMs ?? 2 * MIN,
      sessionTimeoutMs: options.sessionTimeoutMs ?? 30 * MIN,
      ...(options.now ? { now: options.now } : {}),
      ...(options.sessionStore ? { sessionStore: options.sessionStore } : {}),
    },
    sinks,
  );
  return { app, sinks };
}
