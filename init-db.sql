-- Tables written by apps/activity-pipeline. Safe to run any number of times.
-- Every table has the primary key its sink upserts on, so replaying events after a crash rewrites
-- the same rows with the same absolute values instead of adding to them.

-- Page views per URL in 1-minute tumbling event-time windows.
CREATE TABLE IF NOT EXISTS page_view_counts (
  page_url     text        NOT NULL,
  window_start timestamptz NOT NULL,
  window_end   timestamptz NOT NULL,
  view_count   bigint      NOT NULL CHECK (view_count >= 0),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (page_url, window_start)
);
-- "Latest windows" on a dashboard; one URL's history is served by the primary key.
CREATE INDEX IF NOT EXISTS page_view_counts_window_start_idx ON page_view_counts (window_start DESC);

-- Distinct active users in 5-minute windows advancing every minute (a window is named by its start).
CREATE TABLE IF NOT EXISTS active_users (
  window_start timestamptz PRIMARY KEY,
  window_end   timestamptz NOT NULL,
  active_users bigint      NOT NULL CHECK (active_users >= 0),
  updated_at   timestamptz NOT NULL DEFAULT now()
);

-- User sessions: opened by session_start, closed by session_end or by the event-time timeout.
CREATE TABLE IF NOT EXISTS user_sessions (
  user_id          text        NOT NULL,
  session_start    timestamptz NOT NULL,
  session_end      timestamptz,
  duration_seconds double precision,
  status           text        NOT NULL,
  event_count      integer     NOT NULL CHECK (event_count >= 1),
  last_event_time  timestamptz NOT NULL,
  updated_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, session_start)
);
-- open: no end yet; ended: by session_end; timed_out: no event within the timeout;
-- superseded: a new session_start came while it was open. (Re-created so older databases get it.)
ALTER TABLE user_sessions DROP CONSTRAINT IF EXISTS user_sessions_status_check;
ALTER TABLE user_sessions ADD CONSTRAINT user_sessions_status_check
  CHECK (status IN ('open', 'ended', 'timed_out', 'superseded'));
-- One user's sessions, newest first: the primary key, scanned backward. (An index on the same
-- columns, created by earlier versions, only slowed every upsert down.)
DROP INDEX IF EXISTS user_sessions_user_recent_idx;
-- Sessions still open (a small, hot subset).
CREATE INDEX IF NOT EXISTS user_sessions_open_idx ON user_sessions (session_start) WHERE status = 'open';

-- Rows a table above refused for their values (a check, a value that does not fit its column):
-- the sinks set them aside here, with the reason, instead of stopping the pipeline at every
-- restart. The sinks create it when missing; created here for a role without CREATE.
CREATE TABLE IF NOT EXISTS streams_refused_rows (
  id           bigserial   PRIMARY KEY,
  sink         text        NOT NULL,
  target_table text        NOT NULL,
  operation    text        NOT NULL,
  row_key      text        NOT NULL,
  row_json     text        NOT NULL,
  sqlstate     text        NOT NULL,
  reason       text        NOT NULL,
  commit_id    bigint      NOT NULL,
  refused_at   timestamptz NOT NULL DEFAULT now()
);
-- One entry per key of the target table (the latest refused row of it): a replay adds none.
CREATE UNIQUE INDEX IF NOT EXISTS streams_refused_rows_entry_idx ON streams_refused_rows (sink, target_table, operation, md5(row_key));
