import { isolatedStack, type IsolatedStack } from './support/isolated-stack';
import { runOver } from './support/run-over';
import { A_DAY_AGO } from './support/event-time';

// A row that a table refuses for its values stopped the pipeline at the commit that wrote it, and
// at every restart after it: a poison pill. The app's PostgreSQL sinks set such rows aside in
// streams_refused_rows, with the reason, and the pipeline goes on. Here the tables get a check
// that the events' schema knows nothing of, as a table changed by hand would.

jest.setTimeout(90_000);

const at = A_DAY_AGO;
const event = (fields: { user_id: string; page_url: string; event_type: string }) => Buffer.from(JSON.stringify({ event_time: at, ...fields }));

let stack: IsolatedStack | undefined;
afterAll(() => stack?.remove());

it('sets aside the rows its tables refuse, with the reason, writes the others, and keeps running', async () => {
  stack = await isolatedStack({}, 1);
  await stack.db.query(`
    ALTER TABLE page_view_counts ADD CONSTRAINT no_blocked_pages CHECK (page_url <> '/blocked');
    ALTER TABLE user_sessions ADD CONSTRAINT no_blocked_users CHECK (user_id <> 'u-blocked')`);
  const records = [
    { key: 'u1', value: event({ user_id: 'u1', page_url: '/blocked', event_type: 'page_view' }) },
    { key: 'u2', value: event({ user_id: 'u2', page_url: '/ok', event_type: 'page_view' }) },
    { key: 'u-blocked', value: event({ user_id: 'u-blocked', page_url: '/ok', event_type: 'session_start' }) },
    { key: 'u3', value: event({ user_id: 'u3', page_url: '/ok', event_type: 'session_start' }) },
  ].map((r) => ({ partition: 0, ...r }));
  const db = stack.db;
  const refused = () =>
    db.query<{ sink: string; target_table: string; sqlstate: string; reason: string; row_json: string }>(
      'SELECT sink, target_table, sqlstate, reason, row_json FROM streams_refused_rows ORDER BY target_table',
    );
  const { deadLettered } = await runOver(stack, records, {
    until: { what: 'two rows set aside', check: async () => (await refused()).length >= 2 },
  });
  expect(deadLettered).toBe(0);

  const aside = await refused();
  expect(aside.map((r) => ({ ...r, row_json: JSON.parse(r.row_json) as Record<string, unknown> }))).toEqual([
    {
      sink: `${stack.applicationId}.page_view_counts`,
      target_table: 'page_view_counts',
      sqlstate: '23514',
      reason: expect.stringContaining('a row violates a constraint ("no_blocked_pages")'),
      row_json: expect.objectContaining({ page_url: '/blocked', view_count: 1 }),
    },
    {
      sink: `${stack.applicationId}.user_sessions`,
      target_table: 'user_sessions',
      sqlstate: '23514',
      reason: expect.stringContaining('a row violates a constraint ("no_blocked_users")'),
      row_json: expect.objectContaining({ user_id: 'u-blocked', status: 'open', event_count: 1 }),
    },
  ]);
  const views = await db.query<{ page_url: string; view_count: string }>('SELECT page_url, view_count FROM page_view_counts');
  expect(views.map((v) => [v.page_url, Number(v.view_count)])).toEqual([['/ok', 1]]);
  const sessions = await db.query<{ user_id: string }>('SELECT user_id FROM user_sessions');
  expect(sessions.map((s) => s.user_id)).toEqual(['u3']);
});
