import { isolatedStack, type IsolatedStack } from './support/isolated-stack';
import { runOver } from './support/run-over';
import { A_DAY_AGO } from './support/event-time';

// user_id and page_url are parts of primary keys (init-db.sql), and PostgreSQL refuses a btree
// entry over 2,704 bytes. One event with a longer value used to stop the pipeline at its first
// commit, and at every restart after (the row is retried, never skipped): a poison pill. Values up
// to 2,048 UTF-8 bytes are stored; longer ones are dead-lettered, and the pipeline goes on.

jest.setTimeout(90_000);

const MAX = 2048;
const at = A_DAY_AGO;
const event = (fields: { user_id: string; page_url: string; event_type: string }) => Buffer.from(JSON.stringify({ event_time: at, ...fields }));
/** A string of exactly `bytes` UTF-8 bytes that does not compress (an index entry could otherwise be compressed under the limit). */
const incompressible = (bytes: number) => Array.from({ length: bytes }, () => String.fromCharCode(33 + Math.floor(Math.random() * 94))).join('');
const longUrl = `/${incompressible(MAX - 1)}`;
const longUser = incompressible(MAX);

let stack: IsolatedStack | undefined;
afterAll(() => stack?.remove());

it('stores user_id and page_url of 2,048 bytes, dead-letters longer ones (in bytes, not characters), and keeps running', async () => {
  stack = await isolatedStack({}, 1);
  const records = [
    { key: 'u1', value: event({ user_id: 'u1', page_url: longUrl, event_type: 'page_view' }) },
    { key: longUser, value: event({ user_id: longUser, page_url: '/a', event_type: 'session_start' }) },
    { key: 'u2', value: event({ user_id: 'u2', page_url: `${longUrl}x`, event_type: 'page_view' }) },
    // 683 characters, 2,049 bytes: within a limit counted in characters, beyond the table's in bytes.
    { key: 'u3', value: event({ user_id: '€'.repeat(683), page_url: '/a', event_type: 'session_start' }) },
    // Beyond PostgreSQL's limit: the one that stopped the pipeline.
    { key: 'u4', value: event({ user_id: 'u4', page_url: `/${incompressible(3000)}`, event_type: 'page_view' }) },
    { key: 'u5', value: event({ user_id: 'u5', page_url: '/after', event_type: 'page_view' }) },
  ].map((r) => ({ partition: 0, ...r }));
  const { deadLettered, letters } = await runOver(stack, records);
  expect(deadLettered).toBe(3);
  expect(letters).toEqual([
    { offset: '2', reason: expect.stringMatching(/^schema: \/page_url: /) },
    { offset: '3', reason: expect.stringMatching(/^schema: \/user_id: /) },
    { offset: '4', reason: expect.stringMatching(/^schema: \/page_url: /) },
  ]);
  const views = await stack.db.query<{ page_url: string; view_count: number }>('SELECT page_url, view_count FROM page_view_counts');
  expect(new Map(views.map((v) => [v.page_url, v.view_count]))).toEqual(new Map([[longUrl, 1], ['/after', 1]]));
  const sessions = await stack.db.query<{ user_id: string }>('SELECT user_id FROM user_sessions');
  expect(sessions).toEqual([{ user_id: longUser }]);
});
