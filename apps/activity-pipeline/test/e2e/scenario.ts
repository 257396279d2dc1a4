import type { ActivityEvent } from '../../src/events';

/**
 * The end-to-end test's input: a fixed stream over 3 partitions, the cases written out by hand and
 * a seeded background of other visitors. Each partition is listed in the order it is produced
 * (records carry an explicit partition, so that order is known). Event times are on 2024-01-01,
 * long past, so windows close as the stream's own time advances; a final event at 12:30 on each
 * partition moves it far enough for every abandoned session to time out (SESSION_TIMEOUT=5m).
 */

export const T0 = Date.UTC(2024, 0, 1, 12, 0, 0);
export const SEC = 1000;
export const MIN = 60 * SEC;
export const SESSION_TIMEOUT_MS = 5 * MIN;
export const WATERMARK_DELAY_MS = 2 * MIN;
export const PARTITIONS = 3;

export interface ScenarioRecord {
  readonly partition: number;
  readonly key: string | null;
  /** The bytes sent; null is a tombstone. */
  readonly value: Buffer | null;
  /** The event, for a valid record. */
  readonly event?: ActivityEvent;
  /** For an invalid record: what its dead letter's reason must say. */
  readonly rejectedFor?: RegExp;
  /** Why the record is there. */
  readonly note: string;
}

/** `m:ss` after T0, or an absolute ISO time. */
type When = string;

const at = (when: When): number => {
  if (when.includes('T')) return Date.parse(when);
  const [m, s] = when.split(':').map(Number);
  return T0 + m! * MIN + s! * SEC;
};

interface Spec {
  /** Where in its partition's order the record goes: its nominal time. */
  readonly pos: When;
  readonly record: Omit<ScenarioRecord, 'partition'>;
}

/** A valid event, by default at its position's time; `time` moves its event time (out of order, late). */
function event(pos: When, user: string, type: ActivityEvent['event_type'], page: string, note: string, time: When | string = pos, extra: Record<string, unknown> = {}): Spec {
  const eventTime = time.includes('+') ? time : new Date(at(time)).toISOString();
  const e: ActivityEvent = { event_time: eventTime, user_id: user, page_url: page, event_type: type, ...extra };
  return { pos, record: { key: user, value: Buffer.from(JSON.stringify(e)), event: e, note } };
}

function invalid(pos: When, key: string | null, value: Buffer | null, rejectedFor: RegExp, note: string): Spec {
  return { pos, record: { key, value, rejectedFor, note } };
}

const json = (v: unknown) => Buffer.from(JSON.stringify(v));

const HAND_WRITTEN: ReadonlyArray<readonly Spec[]> = [
  // Partition 0: alice, dave, gina.
  [
    event('0:00', 'alice', 'session_start', '/home', 'alice opens a session'),
    event('0:10', 'alice', 'page_view', '/home', 'a view in the session'),
    invalid('0:15', 'alice', Buffer.from('{"event_time": "2024-01-01T12:00:15Z", "user_id": "alice"'), /^not JSON/, 'truncated JSON'),
    event('0:20', 'alice', 'click', '/home', 'a click in the session'),
    event('0:45', 'alice', 'page_view', '/products/1', 'a view in the session'),
    event('0:50', 'dave', 'click', '/blog', 'activity outside any session: not in user_sessions'),
    event('0:51', 'alice', 'page_view', '/products/2', 'out of order by 21s, within the watermark: counted', '0:30'),
    event('1:00', 'alice', 'session_end', '/products/1', 'alice ends it: ended, 6 events, 60 s'),
    event('1:05', 'alice', 'session_end', '/products/1', 'a second end: no open session, ignored'),
    event('2:00', 'dave', 'session_start', '/', 'dave opens a session'),
    event('2:30', 'dave', 'page_view', '/home', 'a view in it'),
    event('3:00', 'dave', 'session_start', '/', 'a new start while open: the 2:00 session is superseded (end 2:30)'),
    event('3:01', 'dave', 'session_start', '/', 'the same start again (same event time): a duplicate, ignored', '3:00'),
    event('3:20', 'dave', 'page_view', '/products/1', 'a view in the new session'),
    event('3:30', 'dave', 'page_view', '/home', 'out of order by 100s, within the watermark: counted in its window and the session', '1:50'),
    invalid('3:40', 'dave', null, /^empty value/, 'a tombstone (null value)'),
    event('4:00', 'dave', 'session_end', '/', 'dave ends it: ended, 4 events, 60 s'),
    event('5:00', 'alice', 'session_start', '/', 'alice opens a second session…'),
    event('5:30', 'alice', 'page_view', '/home', '…and abandons it: timed_out, end 5:30'),
    event('6:00', 'gina', 'session_start', '/', 'gina opens a session'),
    event('6:20', 'gina', 'page_view', '/home', 'a view in it'),
    event('12:00', 'gina', 'page_view', '/blog', '5:40 after her last event: her session timed out (end 6:20) though the watermark (≤ 10:00) is not at 11:20 yet; outside any session'),
    event('30:00', 'flush-0', 'session_start', '/', 'moves stream time on: every session before it times out; this one stays open'),
  ],
  // Partition 1: bob, erin.
  [
    event('0:30', 'bob', 'session_start', '/', 'bob opens a session'),
    event('0:40', 'erin', 'session_start', '/', 'erin opens a session'),
    event('1:00', 'bob', 'page_view', '/home', 'bob’s last event: his session times out (abandoned)'),
    invalid('1:10', 'bob', json({ event_time: '2024-01-01T12:01:10Z', user_id: 42, page_url: '/home', event_type: 'page_view' }), /^schema: \/user_id/, 'schema: user_id is a number'),
    event('1:20', 'erin', 'page_view', '/products/1', 'a view in erin’s session'),
    event('1:25', 'erin', 'click', '/products/1', 'a click'),
    event('2:00', 'erin', 'page_view', '/cart', 'an extra property (allowed, not kept)', '2:00', { referrer: 'newsletter' }),
    invalid('2:05', 'erin', json({ event_time: '2024-01-01T12:02:05Z', user_id: 'erin', page_url: '/cart', event_type: 'purchase' }), /^schema: \/event_type/, 'schema: unknown event_type'),
    event('2:10', 'erin', 'page_view', '/cart', 'an event time with a +01:00 offset', '2024-01-01T13:02:10+01:00'),
    event('2:11', 'erin', 'page_view', '/products/1', 'out of order by 66s, within the watermark', '1:05'),
    event('3:00', 'erin', 'session_end', '/cart', 'erin ends it: ended, 7 events, 140 s'),
    event('9:00', 'erin', 'session_start', '/', 'erin opens another; by now bob’s session has timed out'),
    event('9:30', 'erin', 'page_view', '/blog', 'a view in it'),
    event('9:40', 'erin', 'page_view', '/home', 'late (6 min behind the stream): not in page views nor the session; in one active-users window', '3:30'),
    event('20:00', 'erin', 'page_view', '/blog', 'after a gap longer than the timeout: her 9:00 session timed out first; outside any session'),
    event('30:00', 'flush-1', 'page_view', '/', 'moves stream time on'),
  ],
  // Partition 2: carol, frank.
  [
    event('1:00', 'carol', 'session_start', '/', 'carol opens a session'),
    event('1:10', 'frank', 'session_end', '/', 'an end without a start: ignored'),
    invalid('1:20', 'carol', json({ event_time: '2024-13-45T25:61:00Z', user_id: 'carol', page_url: '/', event_type: 'page_view' }), /^schema: \/event_time/, 'a timestamp that is no date'),
    event('1:30', 'carol', 'page_view', '/home', 'a view in carol’s session'),
    event('1:40', 'carol', 'page_view', '/home', 'another'),
    event('2:00', 'carol', 'click', '/cart', 'carol’s last counted event'),
    event('8:00', 'frank', 'page_view', '/blog', 'moves stream time to 8:00 (watermark 6:00)'),
    event('8:10', 'carol', 'page_view', '/products/2', 'late: not counted in page views, nor in carol’s session (which stays due at 7:00)', '2:30'),
    invalid('8:20', null, Buffer.from([0xff, 0x00, 0xfe, 0x7b]), /^not UTF-8/, 'binary garbage, no key'),
    event('10:00', 'frank', 'page_view', '/blog', 'watermark 8:00: carol’s session times out (4 events, end 2:00)'),
    event('10:10', 'carol', 'page_view', '/home', 'a day late: late everywhere, in the lake under event_date=2023-12-31', '2023-12-31T23:59:30+00:00'),
    event('11:00', 'frank', 'session_start', '/', 'frank opens a session'),
    event('11:30', 'frank', 'page_view', '/cart', 'and abandons it'),
    event('30:00', 'flush-2', 'session_start', '/', 'moves stream time on; stays open'),
  ],
];

/** Other visitors (no sessions), seeded: volume, some out of order, a few late. */
function background(partition: number, seed: number): Spec[] {
  let x = seed;
  const rand = () => (x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const pages = ['/', '/home', '/blog', '/cart', '/products/1', '/products/2'];
  const out: Spec[] = [];
  for (const visitor of ['a', 'b']) {
    for (let t = Math.floor(rand() * 2 * MIN); t < 25 * MIN; t += Math.floor(rand() * 60 * SEC)) {
      const r = rand();
      const shift = r < 0.1 ? 45 * SEC : r < 0.15 ? 4 * MIN : 0;
      const pos = fmt(t);
      out.push(event(pos, `visitor-${partition}${visitor}`, rand() < 0.7 ? 'page_view' : 'click', pages[Math.floor(rand() * pages.length)]!, 'background', fmt(t - shift)));
    }
  }
  return out;
}

const fmt = (ms: number) => `${Math.floor(ms / MIN)}:${String(Math.floor((ms % MIN) / SEC)).padStart(2, '0')}`;

/** Every record, partition by partition, each partition in its order (background merged by time, hand-written first on a tie). */
export function scenario(seed = 7): ScenarioRecord[][] {
  return HAND_WRITTEN.map((hand, partition) => {
    const specs = [...hand.map((s, i) => ({ s, order: 0, i })), ...background(partition, seed + partition).map((s, i) => ({ s, order: 1, i }))];
    specs.sort((a, b) => at(a.s.pos) - at(b.s.pos) || a.order - b.order || a.i - b.i);
    return specs.map(({ s }) => ({ partition, ...s.record }));
  });
}
