import type { ColumnType } from 'kysely';

/** The tables of init-db.sql, as kysely sees them: a wrong column in a row mapper fails to compile. */
export interface Database {
  page_view_counts: {
    page_url: string;
    window_start: Date;
    window_end: Date;
    view_count: number;
    updated_at: ColumnType<Date, Date | undefined, Date>;
  };
  active_users: {
    window_start: Date;
    window_end: Date;
    active_users: number;
    updated_at: ColumnType<Date, Date | undefined, Date>;
  };
  user_sessions: {
    user_id: string;
    session_start: Date;
    session_end: Date | null;
    duration_seconds: number | null;
    status: 'open' | 'ended' | 'timed_out' | 'superseded';
    event_count: number;
    last_event_time: Date;
    updated_at: ColumnType<Date, Date | undefined, Date>;
  };
}

/** The primary key of each table: what its sink upserts on, and what `verify` expects to find. */
export const TABLE_KEYS = {
  page_view_counts: ['page_url', 'window_start'],
  active_users: ['window_start'],
  user_sessions: ['user_id', 'session_start'],
} as const satisfies { readonly [T in keyof Database]: ReadonlyArray<keyof Database[T] & string> };
