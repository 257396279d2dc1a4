import { isolatedStack, type IsolatedStack } from './support/isolated-stack';
import { runOver } from './support/run-over';
import { A_DAY_AGO } from './support/event-time';

// A user_id or page_url holding U+0000 is valid JSON ("\u0000") and passed the schema, but
// PostgreSQL's text cannot store it ("invalid byte sequence for encoding UTF8: 0x00"). One such
// event stopped the pipeline at the commit that wrote its row, and at every restart after it (the
// row is retried, never skipped): a poison pill. It is dead-lettered at the source now, with the
// reason, and the pipeline goes on. Dates of ISO 8601's year 0 (1 BC, which PostgreSQL writes
// with "BC") looked like the same kind of value and are not: they are stored and read back.

jest.setTimeout(90_000);

const at = A_DAY_AGO;
const event = (fields: { event_time?: string; user_id: string; page_url: string; event_type: string }) =>
  Buffer.from(JSON.stringify({ event_time: at, ...fields }));

let stack: IsolatedStack | undefined;
afterAll(() => stack?.remove());

it('dead-letters a user_id or page_url holding U+0000, stores a window of year 0, and keeps running', async () => {
  stack = await isolatedStack({}, 1);
  const records = [
    { key: 'u\u00001', value: event({ user_id: 'u\u00001', page_url: '/a', event_type: 'session_start' }) },
    { key: 'u2', value: event({ user_id: 'u2', page_url: '/a\u0000b', event_type: 'page_view' }) },
    { key: 'u3', value: event({ event_time: '0000-06-01T10:00:30.000Z', user_id: 'u3', page_url: '/ancient', event_type: 'page_view' }) },
    { key: 'u6', value: event({ user_id: 'u6', page_url: '/after', event_type: 'page_view' }) },
  ].map((r) => ({ partition: 0, ...r }));
  const { deadLettered, letters } = await runOver(stack, records);
  expect(deadLettered).toBe(2);
  expect(letters).toEqual([
    { offset: '0', reason: expect.stringMatching(/^schema: \/user_id: /) },
    { offset: '1', reason: expect.stringMatching(/^schema: \/page_url: /) },
  ]);
  const views = await stack.db.query<{ page_url: string; window_start: Date; view_count: string }>(
    'SELECT page_url, window_start, view_count FROM page_view_counts ORDER BY window_start',
  );
  expect(views.map((v) => [v.page_url, v.window_start.getTime(), Number(v.view_count)])).toEqual([
    ['/ancient', Date.parse('0000-06-01T10:00:00.000Z'), 1],
    ['/after', Date.parse(at), 1],
  ]);
});
