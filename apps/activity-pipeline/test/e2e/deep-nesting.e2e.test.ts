import { isolatedStack, type IsolatedStack } from './support/isolated-stack';
import { readLake } from './support/lake';
import { runOver } from './support/run-over';
import { A_DAY_AGO } from './support/event-time';

// The schema lets events carry properties of their own (additionalProperties), and JSON.parse
// reads any depth. But structured clone, which hands the lake's records to the sink thread
// (SINK_THREADS=on, the default), recurses: an event with a property nested ~2,000 objects deep
// (12 kB) threw 'Maximum call stack size exceeded' in the write, and the pipeline stopped, at
// every restart. (With SCALING=multi-instance, JSON.stringify of a repartition record did the
// same a few thousand levels down.) The source dead-letters JSON nested deeper than 1,000 levels.

jest.setTimeout(90_000);

const at = A_DAY_AGO;
/** An event whose `extra` property makes it `depth` arrays and objects deep (the event itself is one). */
const nested = (depth: number, fields: { user_id: string; page_url: string }) =>
  Buffer.from(`{"event_time":"${at}","user_id":"${fields.user_id}","page_url":"${fields.page_url}","event_type":"page_view","extra":${'{"a":'.repeat(depth - 1)}1${'}'.repeat(depth - 1)}}`);

let stack: IsolatedStack | undefined;
afterAll(() => stack?.remove());

it('dead-letters an event nested deeper than 1,000 levels, processes one of 1,000, and keeps running', async () => {
  stack = await isolatedStack({ SINK_THREADS: 'on' }, 1);
  expect(JSON.parse(nested(3, { user_id: 'u', page_url: '/' }).toString())).toMatchObject({ extra: { a: { a: 1 } } });
  const records = [
    { key: 'u1', value: nested(5000, { user_id: 'u1', page_url: '/deep' }) },
    { key: 'u2', value: nested(1000, { user_id: 'u2', page_url: '/at-limit' }) },
    { key: 'u3', value: nested(1001, { user_id: 'u3', page_url: '/deep' }) },
    { key: 'u4', value: nested(1, { user_id: 'u4', page_url: '/after' }) },
  ].map((r) => ({ partition: 0, ...r }));
  const { deadLettered, letters } = await runOver(stack, records);
  expect(deadLettered).toBe(2);
  expect(letters).toEqual([
    { offset: '0', reason: 'JSON nested deeper than 1000 levels of arrays and objects' },
    { offset: '2', reason: 'JSON nested deeper than 1000 levels of arrays and objects' },
  ]);
  const views = await stack.db.query<{ page_url: string; view_count: string }>('SELECT page_url, view_count FROM page_view_counts');
  expect(new Map(views.map((v) => [v.page_url, Number(v.view_count)]))).toEqual(
    new Map([
      ['/at-limit', 1],
      ['/after', 1],
    ]),
  );
  // The lake's sink thread took the event of 1,000 levels (it writes the schema's columns only).
  expect((await readLake(stack.lakeDir)).map((r) => r.row.page_url).sort()).toEqual(['/after', '/at-limit']);
});
