import type pg from 'pg';
import type { Message } from 'node-rdkafka';
import { findInLake } from './lake-lookup';
import type { TailReader } from './kafka-client';

/** The probe: three events of one new user, sent to the input topic. */
export interface Probe {
  readonly id: string;
  readonly user: string;
  readonly page: string;
  /** Event time of the session_start, the page_view (+1 ms) and the session_end (+2 ms). */
  readonly time: number;
  /** When the events were sent (wall clock). */
  readonly sentAt: number;
  readonly topic: string;
  readonly partition: number;
  /** Offset of the page_view. */
  readonly offset: number;
}

/** One sink's lookup: a description of what was found, or undefined while it is not there yet. */
export type Lookup = () => Promise<string | undefined>;

const iso = (d: Date | number) => new Date(d).toISOString();

export function pageViewLookup(db: pg.Client, probe: Probe): Lookup {
  return async () => {
    const { rows } = await db.query<{ window_start: Date; view_count: string }>('SELECT window_start, view_count FROM page_view_counts WHERE page_url = $1', [probe.page]);
    const row = rows[0];
    return row && `${probe.page}: ${row.view_count} view in the window from ${iso(row.window_start)}`;
  };
}

/** Distinct counts cannot show one user: a window holding the probe's time, updated after it was sent. */
export function activeUsersLookup(db: pg.Client, probe: Probe): Lookup {
  return async () => {
    const { rows } = await db.query<{ window_start: Date; active_users: string }>(
      'SELECT window_start, active_users FROM active_users WHERE window_start <= $1 AND window_end > $1 AND updated_at >= $2 ORDER BY window_start DESC LIMIT 1',
      [new Date(probe.time), new Date(probe.sentAt)],
    );
    const row = rows[0];
    return row && `window from ${iso(row.window_start)} updated since the probe was sent (${row.active_users} active users)`;
  };
}

export function sessionLookup(db: pg.Client, probe: Probe): Lookup {
  return async () => {
    const { rows } = await db.query<{ status: string; event_count: number }>('SELECT status, event_count FROM user_sessions WHERE user_id = $1', [probe.user]);
    const row = rows[0];
    // The row shows once its session_start is processed; wait for the end too (same batch, as a rule).
    return row?.status === 'ended' ? `${probe.user}: status ${row.status}, ${row.event_count} events` : undefined;
  };
}

export function lakeLookup(lakeDir: string, probe: Probe): Lookup {
  return async () => {
    const found = await findInLake(lakeDir, iso(probe.time).slice(0, 10), probe.topic, probe.partition, probe.offset);
    if (found === undefined) return undefined;
    return found.kind === 'parquet'
      ? `in ${found.file}`
      : `staged in ${found.file}: written and synced by the sink, not yet in a Parquet file (a roll comes after rollAge, 5 min, or at a clean stop)`;
  };
}

/** Reads the enriched topic's new messages as they come; done once the probe's three events are there. */
export function enrichedLookup(reader: TailReader, probe: Probe): Lookup {
  const seen: Message[] = [];
  return async () => {
    for (const m of await reader.poll()) {
      try {
        if ((JSON.parse(m.value?.toString('utf8') ?? 'null') as { user_id?: string } | null)?.user_id === probe.user) seen.push(m);
      } catch {
        // not ours
      }
    }
    if (seen.length < 3) return undefined;
    const first = seen[0]!;
    const { processing_time } = JSON.parse(first.value!.toString('utf8')) as { processing_time?: string };
    return `${seen.length} events at ${first.topic}:${first.partition}, processing_time ${processing_time ?? 'missing'}`;
  };
}
