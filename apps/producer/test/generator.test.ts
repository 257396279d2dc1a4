import {
  checkUserActivity,
  createPageCatalog,
  generateEvents,
  isUserActivity,
  SIMULATION_DEFAULTS,
  type ActivityRecord,
  type EventRecord,
  type SimulationOptions,
} from '../src/simulation';

const START = '2024-01-01T00:00:00Z';
const T0 = Date.parse(START);

function take(options: SimulationOptions & { count: number }): ActivityRecord[] {
  return [...generateEvents({ startTime: START, ...options })];
}

function events(records: readonly ActivityRecord[]): EventRecord[] {
  return records.filter((r): r is EventRecord => r.kind === 'event');
}

describe('generateEvents: determinism', () => {
  it('gives the same records, times included, for the same seed', () => {
    const options = { seed: 42, count: 5000, eventsPerSecond: 100, invalidEvery: 37 };
    expect(take(options)).toEqual(take(options));
  });

  it('gives other records for another seed', () => {
    const a = take({ seed: 1, count: 1000 }).map((r) => r.value);
    const b = take({ seed: 2, count: 1000 }).map((r) => r.value);
    expect(b).not.toEqual(a);
    // Not just shifted: the user sequences differ from the start.
    expect(b.slice(0, 20)).not.toEqual(a.slice(0, 20));
  });

  it('draws users, pages and types independently of the event-time clock', () => {
    let now = Date.parse('2030-06-01T12:00:00Z');
    const live = take({ seed: 9, count: 2000, clock: () => (now += 3) });
    const virtual = take({ seed: 9, count: 2000 });
    const strip = (r: ActivityRecord) => (r.kind === 'event' ? [r.key, r.event.page_url, r.event.event_type] : r.kind);
    expect(live.map(strip)).toEqual(virtual.map(strip));
    expect(events(live)[0]!.event.event_time).toBe('2030-06-01T12:00:00.003Z');
  });

  it('stops after count, and is endless without it', () => {
    expect(take({ count: 123 })).toHaveLength(123);
    const endless = generateEvents({});
    for (let i = 0; i < 10_000; i++) expect(endless.next().done).toBe(false);
  });
});

describe('generateEvents: record shape', () => {
  const records = take({ seed: 3, count: 10_000, users: 250, pages: 40, eventsPerSecond: 50 });

  it('writes values that match the schema, keyed by user_id', () => {
    for (const r of events(records)) {
      const parsed: unknown = JSON.parse(r.value);
      expect(checkUserActivity(parsed)).toEqual([]);
      expect(parsed).toEqual(r.event);
      expect(r.key).toBe(r.event.user_id);
      expect(Object.keys(parsed as object)).toEqual(['event_time', 'user_id', 'page_url', 'event_type']);
    }
  });

  it('uses ids like user-0042 from the pool and pages of the catalog', () => {
    const urls = new Set(createPageCatalog(40).pages.map((p) => p.url));
    const users = new Set(events(records).map((r) => r.key));
    for (const id of users) expect(id).toMatch(/^user-0(?:[01]\d\d|2[0-4]\d)$/);
    expect(users.size).toBeGreaterThan(200); // many users active, not a few
    for (const r of events(records)) expect(urls.has(r.event.page_url)).toBe(true);
  });

  it('advances virtual event time by 1 / rate per record', () => {
    const onTime = events(records).filter((r) => !r.late);
    for (const r of onTime) expect(Date.parse(r.event.event_time)).toBe(T0 + r.index * 20);
  });

  it('makes some pages much more popular than others', () => {
    const views = new Map<string, number>();
    for (const r of events(records)) if (r.event.event_type === 'page_view') views.set(r.event.page_url, (views.get(r.event.page_url) ?? 0) + 1);
    const counts = [...views.values()].sort((a, b) => b - a);
    expect(counts[0]!).toBeGreaterThan(5 * counts[counts.length - 1]!);
    const home = views.get('/') ?? 0;
    expect(home).toBe(counts[0]);
  });

  it('has page views, clicks, session starts and ends in plausible proportions', () => {
    const byType = new Map<string, number>();
    for (const r of events(records)) byType.set(r.event.event_type, (byType.get(r.event.event_type) ?? 0) + 1);
    const share = (t: string) => (byType.get(t) ?? 0) / events(records).length;
    expect(share('page_view')).toBeGreaterThan(share('click'));
    expect(share('click')).toBeGreaterThan(0.1);
    expect(share('session_start')).toBeGreaterThan(0.1);
    expect(share('session_end')).toBeGreaterThan(0.05);
  });
});

describe('generateEvents: sessions', () => {
  /** Replays the stream per user: every problem found, and how sessions closed. */
  function replay(records: readonly ActivityRecord[]) {
    const open = new Map<string, { start: number; lastPage: string }>();
    const problems: string[] = [];
    let ended = 0;
    let abandoned = 0;
    for (const r of events(records)) {
      const { user_id: user, event_type: type, page_url: page } = r.event;
      const session = open.get(user);
      if (type === 'session_start') {
        if (session) abandoned++; // the user came back without ever ending the last one
        open.set(user, { start: r.index, lastPage: page });
      } else if (!session) {
        problems.push(`#${r.index} ${type} of ${user} outside a session`);
      } else if (type === 'session_end') {
        ended++;
        open.delete(user);
      } else {
        if (type === 'click' && page !== session.lastPage) problems.push(`#${r.index} click on ${page}, but ${user} is on ${session.lastPage}`);
        session.lastPage = page;
      }
    }
    return { problems, ended, abandoned, open };
  }

  it('ends a session only after it started, and acts only inside one', () => {
    const { problems, ended } = replay(take({ seed: 5, count: 20_000, invalidEvery: 13 }));
    expect(problems).toEqual([]);
    expect(ended).toBeGreaterThan(1000);
  });

  it.each([0.1, 0.3])('abandons about %d of the sessions (no session_end)', (abandonRate) => {
    // Many users, short absence: users come back and start anew, which shows the abandoned ones.
    const { abandoned, ended } = replay(take({ seed: 11, count: 10_000, users: 300, abandonRate, awayMs: 1000 }));
    const closed = abandoned + ended;
    expect(closed).toBeGreaterThan(800);
    expect(abandoned / closed).toBeGreaterThan(abandonRate - 0.04);
    expect(abandoned / closed).toBeLessThan(abandonRate + 0.04);
  });

  it('never sends session_end when abandonRate is 1, always when 0', () => {
    const all = replay(take({ seed: 12, count: 3000, abandonRate: 1, awayMs: 0 }));
    expect(all.ended).toBe(0);
    expect(all.abandoned).toBeGreaterThan(100);
    const none = replay(take({ seed: 12, count: 3000, abandonRate: 0 }));
    expect(none.abandoned).toBe(0);
  });

  it('keeps a user who abandoned silent for awayMs while others remain', () => {
    const awayMs = 60_000;
    const records = events(take({ seed: 13, count: 20_000, users: 500, eventsPerSecond: 10, awayMs }));
    const lastSeen = new Map<string, number>();
    const open = new Set<string>();
    let checked = 0;
    for (const r of records) {
      const t = r.index * 100; // simulation time: late events are only shifted on the wire
      const { user_id: user, event_type: type } = r.event;
      if (type === 'session_start' && open.has(user)) {
        expect(t - lastSeen.get(user)!).toBeGreaterThanOrEqual(awayMs);
        checked++;
      }
      if (type === 'session_start') open.add(user);
      if (type === 'session_end') open.delete(user);
      lastSeen.set(user, t);
    }
    expect(checked).toBeGreaterThan(20);
  });
});

describe('generateEvents: the user pool over hours', () => {
  // The pool used to bring an absent user back early only when nobody at all was present: at 10
  // events/s, 100 users (the old default) were all away after ~10 minutes, and from then on one user
  // at a time sent every record, and no abandoned session ever timed out (2 h: 0 timed out).
  const MINUTE = 60_000;
  const TIMEOUT = 30 * MINUTE; // the pipeline's SESSION_TIMEOUT

  /** How the pipeline would close the sessions of `records` (event time, no late records). */
  function closings(records: readonly ActivityRecord[]) {
    const lastEvent = new Map<string, number>(); // open sessions: user → time of their latest event
    let ended = 0;
    let superseded = 0;
    let timedOut = 0;
    for (const r of events(records)) {
      const t = Date.parse(r.event.event_time);
      const last = lastEvent.get(r.key);
      if (last !== undefined && t - last >= TIMEOUT) {
        timedOut++;
        lastEvent.delete(r.key);
      }
      if (r.event.event_type === 'session_start') {
        if (lastEvent.has(r.key)) superseded++;
        lastEvent.set(r.key, t);
      } else if (r.event.event_type === 'session_end') {
        ended++;
        lastEvent.delete(r.key);
      } else if (lastEvent.has(r.key)) lastEvent.set(r.key, t);
    }
    return { ended, superseded, timedOut };
  }

  /** Distinct users, and the most records one of them sent, in each minute from `fromMinute` on. */
  function usersPerMinute(records: readonly ActivityRecord[], fromMinute: number) {
    const minutes = new Map<number, Map<string, number>>();
    for (const r of events(records)) {
      const minute = Math.floor((Date.parse(r.event.event_time) - T0) / MINUTE);
      if (minute < fromMinute) continue;
      const perUser = minutes.get(minute) ?? new Map<string, number>();
      perUser.set(r.key, (perUser.get(r.key) ?? 0) + 1);
      minutes.set(minute, perUser);
    }
    const counts = [...minutes.values()];
    return { fewestUsers: Math.min(...counts.map((m) => m.size)), busiestUser: Math.max(...counts.map((m) => Math.max(...m.values()))) };
  }

  it('with the defaults (1000 users, 10 events/s, away 35 min), abandoned sessions time out, none is superseded, and hundreds of users are active each minute', () => {
    expect(SIMULATION_DEFAULTS).toMatchObject({ users: 1000, eventsPerSecond: 10, abandonRate: 0.1, awayMs: 35 * MINUTE });
    const records = take({ seed: 1, count: 2 * 60 * 600, lateEvery: 0 }); // two hours
    const { ended, superseded, timedOut } = closings(records);
    expect(ended).toBeGreaterThan(8000);
    expect(superseded).toBe(0);
    // ~0.145 sessions abandoned a second; those of the last 30 minutes have not timed out yet.
    expect(timedOut).toBeGreaterThan(500);
    // ~700 present, each picked every ~70 s: ~400 distinct users a minute, ~6 records at most.
    const { fewestUsers, busiestUser } = usersPerMinute(records, 40);
    expect(fewestUsers).toBeGreaterThan(300);
    expect(busiestUser).toBeLessThan(15);
  });

  it('keeps at least half of a pool too small for the rate present: 100 users at 10 events/s still spread the records after an hour', () => {
    const records = take({ seed: 1, count: 60 * 600, users: 100, lateEvery: 0 });
    // 50 to 60 users present, each picked every ~5.5 s: ~50 distinct a minute, ~20 records at most.
    const { fewestUsers, busiestUser } = usersPerMinute(records, 20);
    expect(fewestUsers).toBeGreaterThanOrEqual(40);
    expect(busiestUser).toBeLessThanOrEqual(40);
    // The absent half comes back after ~6 minutes, not 35: abandoned sessions are superseded.
    expect(closings(records).superseded).toBeGreaterThan(100);
  });
});

describe('generateEvents: late and malformed records', () => {
  it('shifts exactly every n-th record back by lateByMs', () => {
    const records = take({ seed: 21, count: 5000, eventsPerSecond: 10, lateEvery: 7, lateByMs: 30_000 });
    for (const r of events(records)) {
      const expected = (r.index + 1) % 7 === 0;
      expect(r.late).toBe(expected);
      expect(Date.parse(r.event.event_time)).toBe(T0 + r.index * 100 - (expected ? 30_000 : 0));
    }
    expect(events(records).filter((r) => r.late)).toHaveLength(Math.floor(5000 / 7));
  });

  it('sends nothing late when lateEvery is 0', () => {
    expect(events(take({ seed: 22, count: 2000, lateEvery: 0 })).some((r) => r.late)).toBe(false);
  });

  it('makes exactly every n-th record malformed, and each fails the schema', () => {
    const records = take({ seed: 23, count: 4000, invalidEvery: 10, lateEvery: 0 });
    const reasons = new Set<string>();
    for (const r of records) {
      expect(r.kind).toBe((r.index + 1) % 10 === 0 ? 'invalid' : 'event');
      if (r.kind !== 'invalid') continue;
      reasons.add(r.reason);
      let parsed: unknown;
      try {
        parsed = JSON.parse(r.value);
      } catch {
        expect(r.reason).toBe('truncated-json');
        continue;
      }
      expect(isUserActivity(parsed)).toBe(false);
      expect(r.key).toMatch(/^user-\d{4}$/);
    }
    expect([...reasons].sort()).toEqual(['bad-event-time', 'missing-user-id', 'truncated-json', 'unknown-event-type']);
  });

  it('leaves the events around malformed records as they were', () => {
    const clean = events(take({ seed: 24, count: 900, invalidEvery: 0, lateEvery: 0 })).map((r) => [r.key, r.event.event_type, r.event.page_url]);
    const noisy = events(take({ seed: 24, count: 1000, invalidEvery: 10, lateEvery: 0 })).map((r) => [r.key, r.event.event_type, r.event.page_url]);
    expect(noisy).toEqual(clean);
  });

  it('rejects options it cannot run with, naming them', () => {
    expect(() => take({ count: 1, users: 0 })).toThrow('users must be a positive integer');
    expect(() => take({ count: 1, abandonRate: 1.5 })).toThrow('abandonRate must be between 0 and 1');
    expect(() => take({ count: 1, startTime: 'soon' })).toThrow('startTime must be a time');
  });
});

describe('checkUserActivity', () => {
  const good = { event_time: '2024-01-01T00:00:00.000Z', user_id: 'user-0001', page_url: '/', event_type: 'click' };

  it('accepts a valid event and names each problem of an invalid one', () => {
    expect(checkUserActivity(good)).toEqual([]);
    expect(checkUserActivity({ ...good, event_type: 'purchase' })).toEqual([expect.stringContaining("event_type: 'purchase'")]);
    expect(checkUserActivity({ ...good, event_time: '2024-01-01T00:00:00Z' })).toEqual([expect.stringContaining('event_time')]);
    expect(checkUserActivity({ ...good, user_id: '' })).toEqual([expect.stringContaining('user_id')]);
    expect(checkUserActivity([good])).toEqual(['not a JSON object']);
    expect(checkUserActivity({})).toHaveLength(4);
  });
});
