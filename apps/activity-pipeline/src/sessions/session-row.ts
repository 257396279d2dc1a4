/** How a session ended, or that it has not. */
export type SessionStatus = 'open' | 'ended' | 'timed_out' | 'superseded';

/** A row of `user_sessions` (times in epoch ms). */
export interface SessionRow {
  readonly user_id: string;
  readonly session_start: number;
  /** session_end's time; for a timed-out or superseded session, its last event's time; null while open. */
  readonly session_end: number | null;
  readonly duration_seconds: number | null;
  readonly status: SessionStatus;
  readonly event_count: number;
  readonly last_event_time: number;
}
