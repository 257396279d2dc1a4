import { createPageCatalog, createRandom, userId } from 'producer/simulation';
import { startPipelineChild } from '../child/run-child';
import type { ChildResult } from '../child/protocol';
import { Dataset, type DatasetRecord } from '../dataset';
import type { Scratch } from '../infra/scratch';
import { EVENTS_START_MS } from '../event-start';
import { startProgress } from '../progress';
import { preload } from './preload';

/** Event time of the memory run's first event: a whole minute, so one 5-minute window holds them all. */
const START = EVENTS_START_MS;
/** Session starts are spread over this much event time… */
const SPREAD_MS = 3 * 60_000;
/** …and each user's page view comes this long after its session start. */
const VIEW_AFTER_MS = 60_000;

/**
 * Every user sends a `session_start`, then a `page_view` a minute later, all within 4 minutes of
 * event time and in time order; nobody sends `session_end`. At the end every session is open (the
 * timeout is 30 minutes) and the 5-minute window from START has seen every user.
 */
export function* memoryEvents(users: number, seed: number): Generator<DatasetRecord> {
  const pages = createPageCatalog(100);
  const random = createRandom(seed);
  const startOf = (i: number) => START + Math.floor((i * SPREAD_MS) / users);
  const record = (i: number, time: number, type: string): DatasetRecord => {
    const key = userId(i, users);
    const value = JSON.stringify({ event_time: new Date(time).toISOString(), user_id: key, page_url: pages.pick(random), event_type: type });
    return { key, value, valid: true };
  };
  let starts = 0;
  let views = 0;
  while (starts < users || views < users) {
    if (starts < users && (views >= users || startOf(starts) <= startOf(views) + VIEW_AFTER_MS)) {
      yield record(starts, startOf(starts), 'session_start');
      starts++;
    } else {
      yield record(views, startOf(views) + VIEW_AFTER_MS, 'page_view');
      views++;
    }
  }
}

export interface MemoryResult {
  readonly users: number;
  readonly events: number;
  readonly preloadRate: number;
  /** What the pipeline child measured (peak RSS, heap, store sizes…). */
  readonly pipeline: ChildResult;
  /** Events per second of the child's run, for reference. */
  readonly rate: number;
  readonly openSessions: number;
  readonly sessionRows: number;
  /** The largest distinct-user count of a 5-minute window: every user, if all went well. */
  readonly maxActiveUsers: number;
  readonly targetBytes: number;
  /** Whether peak RSS stayed under the target, which is set for 1,000,000 users; undefined for fewer. */
  readonly withinTarget: boolean | undefined;
}

/**
 * Peak memory of the real pipeline, in a child process with a fresh heap, holding `users` open
 * sessions and windows of `users` distinct users.
 */
export async function memory(scratch: Scratch, options: { users: number; seed: number }): Promise<MemoryResult> {
  const dataset = Dataset.from(options.users * 2, 3, memoryEvents(options.users, options.seed));
  const input = await scratch.topic('bench-memory-input', 3);
  const loaded = await preload(input, dataset, 'memory preload');
  const { targets, db } = await scratch.pipelineTargets('memory', input);
  const child = startPipelineChild({ targets, mode: 'drain', expected: dataset.count, sampleMs: 100 });
  const progress = startProgress({ label: 'memory pipeline', read: () => child.latest()?.recordsIn ?? 0, total: dataset.count });
  let pipeline: ChildResult;
  try {
    pipeline = await child.result;
  } finally {
    progress.stop();
    child.kill();
  }
  const [row] = await db.query<{ open: number; sessions: number; active: number }>(
    `SELECT (SELECT count(*) FROM user_sessions WHERE status = 'open') AS open,
            (SELECT count(*) FROM user_sessions) AS sessions,
            (SELECT coalesce(max(active_users), 0) FROM active_users) AS active`,
  );
  const targetBytes = 500 * 1024 * 1024;
  return {
    users: options.users,
    events: dataset.count,
    preloadRate: loaded.rate,
    pipeline,
    rate: pipeline.seconds > 0 ? pipeline.recordsIn / pipeline.seconds : 0,
    openSessions: row!.open,
    sessionRows: row!.sessions,
    maxActiveUsers: row!.active,
    targetBytes,
    // The target is set for a million users: a smaller run says nothing about it.
    withinTarget: options.users >= 1_000_000 ? pipeline.peakRss < targetBytes : undefined,
  };
}
