import { TopologyTestDriver } from '@pipeline/streams/testing';
import type { SessionRow } from '../src/sessions/session-row';
import { ev, MIN, pipeline, SEC, T0 } from './support';

/** `status start..end count` in minutes from T0, for readable expectations. */
const brief = (r: SessionRow) =>
  `${r.user_id} ${r.status} ${(r.session_start - T0) / MIN}..${r.session_end === null ? '' : (r.session_end - T0) / MIN} n=${r.event_count}${r.duration_seconds === null ? '' : ` ${r.duration_seconds}s`}`;

async function run(events: ReturnType<typeof ev>[], timeoutMin = 30) {
  const { app, sinks } = pipeline({ sessionTimeoutMs: timeoutMin * MIN });
  const driver = await TopologyTestDriver.create(app);
  for (const e of events) await driver.pipe('user_activity', e);
  return { rows: driver.values(sinks.sessions).map(brief), driver };
}

describe('session tracker', () => {
  it('opens a session at session_start and closes it with its duration at session_end', async () => {
    const { rows } = await run([ev(0, 'u', 'session_start'), ev(1 * MIN, 'u', 'page_view'), ev(5 * MIN, 'u', 'session_end')]);
    expect(rows).toEqual(['u open 0.. n=1', 'u open 0.. n=2', 'u ended 0..5 n=3 300s']);
  });

  it('times a session out when no event comes within the timeout of the last one (event time)', async () => {
    const { rows } = await run(
      [
        ev(0, 'u', 'session_start'),
        ev(10 * MIN, 'u', 'click'), // timeout moves to 40m
        ev(41 * MIN, 'other', 'page_view'), // watermark 39m: not yet
        ev(42 * MIN, 'other', 'page_view'), // watermark 40m: times out at the last event
      ],
      30,
    );
    expect(rows).toEqual(['u open 0.. n=1', 'u open 0.. n=2', 'u timed_out 0..10 n=2 600s']);
  });

  it('times a session out when the user’s next event comes after the timeout, before the watermark passes it', async () => {
    const { rows } = await run(
      [
        ev(0, 'u', 'session_start'),
        ev(31 * MIN, 'u', 'click'), // watermark 29m: the timer (30m) has not fired, but 31 minutes passed
        ev(32 * MIN, 'u', 'session_end'), // no open session: ignored
      ],
      30,
    );
    expect(rows).toEqual(['u open 0.. n=1', 'u timed_out 0..0 n=1 0s']);
  });

  it('ignores a session_end without a session, and a duplicate end', async () => {
    const { rows } = await run([ev(0, 'u', 'session_end'), ev(MIN, 'u', 'session_start'), ev(2 * MIN, 'u', 'session_end'), ev(2 * MIN, 'u', 'session_end')]);
    expect(rows).toEqual(['u open 1.. n=1', 'u ended 1..2 n=2 60s']);
  });

  it('closes an open session as superseded when a new session_start comes, and ignores a duplicate start', async () => {
    const { rows } = await run([
      ev(0, 'u', 'session_start'),
      ev(0, 'u', 'session_start'), // duplicate
      ev(MIN, 'u', 'page_view'),
      ev(3 * MIN, 'u', 'session_start'),
    ]);
    expect(rows).toEqual(['u open 0.. n=1', 'u open 0.. n=2', 'u superseded 0..1 n=2 60s', 'u open 3.. n=1']);
  });

  it('ignores activity outside a session and an end before the open session’s start', async () => {
    const { rows } = await run([ev(0, 'u', 'click'), ev(5 * MIN, 'u', 'session_start'), ev(4 * MIN, 'u', 'session_end')]);
    expect(rows).toEqual(['u open 5.. n=1']);
  });

  it('never lets a late event reach the tracker: it is counted instead', async () => {
    const { rows, driver } = await run([
      ev(10 * MIN, 'u', 'session_start'), // watermark 8m
      ev(8 * MIN - 1, 'u', 'session_end'), // just before the watermark: late
      ev(8 * MIN, 'u', 'click'), // at it: on time
    ]);
    expect(rows).toEqual(['u open 10.. n=1', 'u open 10.. n=2']);
    expect(driver.metrics().late['session-tracker']).toBe(1);
  });

  it('keeps users apart', async () => {
    const { rows } = await run([ev(0, 'a', 'session_start'), ev(SEC, 'b', 'session_start'), ev(2 * SEC, 'a', 'session_end')]);
    expect(rows).toEqual(['a open 0.. n=1', 'b open 0.016666666666666666.. n=1', 'a ended 0..0.03333333333333333 n=2 2s']);
  });

  it('takes a re-delivered session_start of a closed session, still on time, for a duplicate', async () => {
    const { rows } = await run([
      ev(0, 'u', 'session_start'),
      ev(10 * SEC, 'u', 'page_view'),
      ev(40 * SEC, 'u', 'session_end'),
      ev(0, 'u', 'session_start'), // the same start again (a retried beacon): the watermark is -80s, so it is on time
      ev(60 * MIN, 'other', 'page_view'), // moves the watermark past everything
    ]);
    // Before: the copy reopened the session over its final row ('u open 0.. n=1'), which then timed out.
    expect(rows).toEqual(['u open 0.. n=1', 'u open 0.. n=2', 'u ended 0..0.6666666666666666 n=3 40s']);
  });

  it('ignores a copy of an earlier session’s start while a later session is open', async () => {
    const { rows } = await run([
      ev(0, 'u', 'session_start'),
      ev(30 * SEC, 'u', 'session_start'), // supersedes the first
      ev(0, 'u', 'session_start'), // a copy of the first: on time (watermark -90s)
      ev(45 * SEC, 'u', 'session_end'),
    ]);
    expect(rows).toEqual(['u open 0.. n=1', 'u superseded 0..0 n=1 0s', 'u open 0.5.. n=1', 'u ended 0.5..0.75 n=2 15s']);
  });

  it('forgets a closed session once the watermark passes its start: a copy of its start is then late', async () => {
    const { app, sinks } = pipeline({ sessionTimeoutMs: 30 * MIN });
    const driver = await TopologyTestDriver.create(app);
    await driver.pipe('user_activity', ev(0, 'u', 'session_start'));
    await driver.pipe('user_activity', ev(SEC, 'u', 'session_end'));
    expect(await driver.storeEntries('session-tracker-store')).toEqual([['u', { start: T0, last: T0 + SEC, count: 2, closed: true }]]);
    await driver.pipe('user_activity', ev(3 * MIN, 'other', 'page_view')); // watermark 1m: u's closed session goes
    expect(await driver.storeEntries('session-tracker-store')).toEqual([]);
    await driver.pipe('user_activity', ev(0, 'u', 'session_start')); // late
    expect(driver.values(sinks.sessions).map(brief)).toEqual(['u open 0.. n=1', 'u ended 0..0.016666666666666666 n=2 1s']);
    expect(driver.metrics().late['session-tracker']).toBe(1);
  });
});
