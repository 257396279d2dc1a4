import { isolatedStack, type IsolatedStack } from './support/isolated-stack';
import { runOver } from './support/run-over';
import { A_DAY_AGO } from './support/event-time';

// With SCALING=multi-instance every event goes through repartition topics whole, in an envelope,
// and invalid UTF-8 in it grows from 1 to 3 bytes a character once decoded. An event of ~400 kB
// (the schema lets producers add properties) that the broker took became a repartition record of
// 1.2 MB the producer refused ("larger than the producer's message.max.bytes"), and the pipeline
// stopped at every restart. Events over 64 KiB are dead-lettered unread now.

jest.setTimeout(120_000);

const MAX = 64 * 1024;
const at = A_DAY_AGO;
/** A page view whose JSON is exactly `bytes` long, padded with an extra property. */
function viewOfBytes(user: string, bytes: number): Buffer {
  const head = Buffer.from(`{"event_time":"${at}","user_id":"${user}","page_url":"/a","event_type":"page_view","note":"`);
  const tail = Buffer.from('"}');
  return Buffer.concat([head, Buffer.alloc(bytes - head.length - tail.length, 'x'), tail]);
}

let stack: IsolatedStack | undefined;
afterAll(() => stack?.remove());

it('dead-letters an event over 64 KiB unread, takes one of 64 KiB, and keeps running (multi-instance: through repartition topics)', async () => {
  stack = await isolatedStack({ SCALING: 'multi-instance' }, 1);
  const records = [
    { key: 'u1', value: viewOfBytes('u1', 400_000) },
    { key: 'u2', value: viewOfBytes('u2', MAX) },
    { key: 'u3', value: viewOfBytes('u3', MAX + 1) },
    { key: 'u4', value: viewOfBytes('u4', 200) },
  ].map((r) => ({ partition: 0, ...r }));
  // Multi-instance: the counts come through a repartition topic, maybe a commit after the first.
  const inPostgres = async () => (await stack!.db.query('SELECT 1 FROM page_view_counts')).length > 0;
  const { deadLettered, letters } = await runOver(stack, records, { until: { what: 'page views in PostgreSQL', check: inPostgres } });
  expect(deadLettered).toBe(2);
  expect(letters).toEqual([
    { offset: '0', reason: `value of 400000 bytes, over the source's maxValueBytes (${MAX})` },
    { offset: '2', reason: `value of ${MAX + 1} bytes, over the source's maxValueBytes (${MAX})` },
  ]);
  const views = await stack.db.query<{ page_url: string; view_count: string }>('SELECT page_url, view_count FROM page_view_counts');
  expect(views.map((v) => [v.page_url, Number(v.view_count)])).toEqual([['/a', 2]]);
});
