import { Type, type Static } from '@sinclair/typebox';

// What the crash fixture reads and writes: shared by its topology and its thread sinks.

/** The events of the crash test: an id to tell each one apart in every output. */
export const CrashEvent = Type.Object({
  id: Type.String(),
  event_time: Type.String({ format: 'date-time' }),
  user_id: Type.String(),
  page_url: Type.String(),
  event_type: Type.Union([Type.Literal('page_view'), Type.Literal('click')]),
});
export type CrashEvent = Static<typeof CrashEvent>;

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
