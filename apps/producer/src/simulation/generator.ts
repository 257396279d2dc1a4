import { createPageCatalog, type PageCatalog } from '../pages';
import { createRandom, deriveSeed, type Random } from '../random';
import type { EventType, UserActivity } from './event';
import { isoFormatter } from './event-time';
import { MALFORMED_KINDS, malformedValue, type MalformedKind } from './malformed';
import { resolveSimulationOptions, type SimulationOptions } from './options';
import { nextStep, openSession } from './sessions';
import { UserPool, type SimUser } from './users';

/** A well-formed event, ready to produce: key = user id, value = its JSON. */
export interface EventRecord {
  readonly kind: 'event';
  /** Position in the stream, from 0 (malformed records included). */
  readonly index: number;
  readonly key: string;
  readonly value: string;
  readonly event: UserActivity;
  /** Its event time was shifted back by `lateByMs`. */
  readonly late: boolean;
}

/** A malformed record, for the pipeline's dead-letter path. It does not advance any session. */
export interface InvalidRecord {
  readonly kind: 'invalid';
  readonly index: number;
  readonly key: string;
  readonly value: string;
  readonly reason: MalformedKind;
}

export type ActivityRecord = EventRecord | InvalidRecord;

/**
 * The simulated user activity stream, record by record (endless unless `count` is set).
 *
 * A pool of users goes through sessions (`session_start`, page views and clicks on pages drawn by
 * popularity, `session_end`), many at once; a share of sessions is abandoned without `session_end`.
 * Every `lateEvery`-th record is late by `lateByMs`, every `invalidEvery`-th is malformed (inserted
 * between events, so sessions stay whole). Without a `clock`, event times are virtual: `startTime`
 * plus 1000 / `eventsPerSecond` ms per record, so a seed gives the same records, times included.
 *
 * @example
 * const records = [...generateEvents({ seed: 42, count: 1000, startTime: '2024-01-01T00:00:00Z', eventsPerSecond: 100 })];
 * records[0]; // { kind: 'event', index: 0, key: 'user-0037', value: '{"event_time":"2024-01-01T00:00:00.000Z",…}', … }
 */
export function* generateEvents(options: SimulationOptions = {}): Generator<ActivityRecord, void, undefined> {
  const o = resolveSimulationOptions(options);
  const random = createRandom(o.seed);
  const junk = createRandom(deriveSeed(o.seed, 1)); // malformed records draw apart, so they shift no event
  const pages = createPageCatalog(o.pages);
  const pool = new UserPool(o.users, o.awayMs);
  const iso = isoFormatter();
  const stepMs = 1000 / o.eventsPerSecond;

  for (let index = 0; o.count === undefined || index < o.count; index++) {
    const simTime = Math.floor(index * stepMs);
    const time = o.clock ? o.clock() : o.startTime + simTime;
    if (o.invalidEvery > 0 && (index + 1) % o.invalidEvery === 0) {
      const user = pool.users[junk.int(pool.users.length)]!;
      const sample: UserActivity = { event_time: iso(time), user_id: user.id, page_url: pages.pick(junk), event_type: 'page_view' };
      const reason = MALFORMED_KINDS[junk.int(MALFORMED_KINDS.length)]!;
      yield { kind: 'invalid', index, key: user.id, value: malformedValue(reason, sample, junk), reason };
      continue;
    }
    const { user, type, page } = nextActivity(pool, random, pages, o.abandonRate, simTime);
    const late = o.lateEvery > 0 && (index + 1) % o.lateEvery === 0;
    const event: UserActivity = { event_time: iso(late ? time - o.lateByMs : time), user_id: user.id, page_url: page, event_type: type };
    yield { kind: 'event', index, key: user.id, value: JSON.stringify(event), event, late };
  }
}

interface Activity {
  readonly user: SimUser;
  readonly type: EventType;
  readonly page: string;
}

/** The next thing some user does: start a session, act in one, or end it (abandonments emit nothing). */
function nextActivity(pool: UserPool, random: Random, pages: PageCatalog, abandonRate: number, now: number): Activity {
  for (;;) {
    const user = pool.pick(random, now);
    if (user.session === undefined) {
      user.session = openSession(random, pages, abandonRate);
      return { user, type: 'session_start', page: user.session.page };
    }
    const step = nextStep(user.session, random, pages);
    if (step.type === 'abandon') {
      user.session = undefined;
      pool.sendAway(user, now);
      continue;
    }
    if (step.type === 'session_end') user.session = undefined;
    return { user, type: step.type, page: step.page };
  }
}
