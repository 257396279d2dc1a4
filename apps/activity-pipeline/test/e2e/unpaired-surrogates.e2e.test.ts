import { isolatedStack, type IsolatedStack } from './support/isolated-stack';
import { runOver } from './support/run-over';
import { A_DAY_AGO } from './support/event-time';

// JSON can escape half of a UTF-16 surrogate pair on its own ("\ud800"): valid JSON, a valid
// JavaScript string, but no Unicode text. pg sends it to PostgreSQL as UTF-8, where it becomes
// U+FFFD, so '/a\ud800' and '/a\udbff' (or '/a\ufffd' itself) are one key in the table and two
// in the sink's last-write-wins buffer: two rows of one upsert with the same key, which
// PostgreSQL refuses ("ON CONFLICT DO UPDATE command cannot affect row a second time", 21000).
// The commit failed, and every restart after it (the rows are replayed, never skipped): a poison
// pill. Even alone, such a value would have been stored as another one. They are dead-lettered at
// the source now; a real U+FFFD is text like any other and is stored.

jest.setTimeout(90_000);

const at = A_DAY_AGO;
const event = (fields: { user_id: string; page_url: string; event_type: string }) => Buffer.from(JSON.stringify({ event_time: at, ...fields }));

let stack: IsolatedStack | undefined;
afterAll(() => stack?.remove());

it('dead-letters a user_id or page_url holding an unpaired surrogate, stores U+FFFD, and keeps running', async () => {
  stack = await isolatedStack({}, 1);
  const records = [
    { key: 'u1', value: event({ user_id: 'u1', page_url: '/a\ud800', event_type: 'page_view' }) },
    { key: 'u2', value: event({ user_id: 'u2', page_url: '/a\ufffd', event_type: 'page_view' }) },
    { key: 'u3', value: event({ user_id: 'u3\udc00', page_url: '/a', event_type: 'session_start' }) },
    { key: 'u3\ufffd', value: event({ user_id: 'u3\ufffd', page_url: '/a', event_type: 'session_start' }) }, // keyed by its user_id, as sessions need
    { key: 'u4', value: event({ user_id: 'u4', page_url: '/b\udbff\udbff', event_type: 'page_view' }) },
    { key: 'u5', value: event({ user_id: 'u5', page_url: '/after', event_type: 'page_view' }) },
  ].map((r) => ({ partition: 0, ...r }));
  // The escapes travel as ASCII, as a producer's JSON encoder writes them.
  expect(records[0]!.value.toString('latin1')).toContain('"/a\\ud800"');
  const { deadLettered, letters } = await runOver(stack, records);
  expect(deadLettered).toBe(3);
  expect(letters).toEqual([
    { offset: '0', reason: expect.stringMatching(/^schema: \/page_url: /) },
    { offset: '2', reason: expect.stringMatching(/^schema: \/user_id: /) },
    { offset: '4', reason: expect.stringMatching(/^schema: \/page_url: /) },
  ]);
  const views = await stack.db.query<{ page_url: string; view_count: string }>('SELECT page_url, view_count FROM page_view_counts');
  expect(new Map(views.map((v) => [v.page_url, Number(v.view_count)]))).toEqual(
    new Map([
      ['/a\ufffd', 1],
      ['/after', 1],
    ]),
  );
  const sessions = await stack.db.query<{ user_id: string }>('SELECT user_id FROM user_sessions');
  expect(sessions).toEqual([{ user_id: 'u3\ufffd' }]);
});
