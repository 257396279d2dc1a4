import { Type, type Static } from '@sinclair/typebox';

/** The events of the tests: the activity pipeline's shape. */
export const Event = Type.Object({
  event_time: Type.String(),
  user_id: Type.String(),
  page_url: Type.String(),
  event_type: Type.Union([Type.Literal('page_view'), Type.Literal('click'), Type.Literal('session_start'), Type.Literal('session_end')]),
});
export type Event = Static<typeof Event>;

/** Base time of the tests: an epoch-aligned minute, so window boundaries are round numbers. */
export const T0 = Date.UTC(2024, 0, 1, 12, 0, 0);
export const SEC = 1000;
export const MIN = 60 * SEC;

/** An event at `T0 + offsetMs`. */
export function event(offsetMs: number, fields: Partial<Omit<Event, 'event_time'>> = {}): Event {
  return {
    event_time: new Date(T0 + offsetMs).toISOString(),
    user_id: fields.user_id ?? 'u1',
    page_url: fields.page_url ?? '/home',
    event_type: fields.event_type ?? 'page_view',
  };
}

export const sourceOptions = {
  value: Event,
  key: (e: Event) => e.user_id,
  timestamp: (e: Event) => Date.parse(e.event_time),
};
