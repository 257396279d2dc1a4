import { isolatedStack, type IsolatedStack } from './support/isolated-stack';
import { readTopic } from './support/kafka';
import { runOver } from './support/run-over';
import { A_DAY_AGO, aDayAgoPlus } from './support/event-time';

// One event from a device whose clock was fast stopped the pipeline at every restart: the enriched
// record carries the event time as its Kafka timestamp, and the broker refuses one over an hour
// ahead of its clock ('invalid timestamp'). Had it gone through, it would have moved its
// partition's watermark to its time, and every later event of the partition would have been late.
// Events further ahead of when they were written to Kafka than MAX_TIME_AHEAD (10m) are
// dead-lettered now.

jest.setTimeout(90_000);

const view = (eventTime: string, user: string) => Buffer.from(JSON.stringify({ event_time: eventTime, user_id: user, page_url: '/a', event_type: 'page_view' }));

let stack: IsolatedStack | undefined;
afterAll(() => stack?.remove());

it('dead-letters events from a clock 61 minutes or decades ahead, and the events after them count; one 5 minutes ahead goes through', async () => {
  stack = await isolatedStack({}, 1);
  const fiveMinutesAhead = new Date(Date.now() + 5 * 60_000).toISOString();
  const records = [
    { key: 'u1', value: view(aDayAgoPlus(10_000), 'u1') },
    { key: 'u2', value: view('9999-12-31T23:59:59Z', 'u2') },
    { key: 'u3', value: view(new Date(Date.now() + 61 * 60_000).toISOString(), 'u3') },
    { key: 'u4', value: view(aDayAgoPlus(20_000), 'u4') },
    // 5 minutes ahead: taken, and the broker takes its enriched record.
    { key: 'u5', value: view(fiveMinutesAhead, 'u5') },
  ].map((r) => ({ partition: 0, ...r }));
  const { deadLettered, letters } = await runOver(stack, records);
  expect(deadLettered).toBe(2);
  expect(letters).toEqual([
    { offset: '1', reason: expect.stringMatching(/^event time 9999-12-31T23:59:59\.000Z is more than 10m \(the source's maxTimeAhead\) ahead of the record's Kafka timestamp, 20\d\d-/) },
    { offset: '2', reason: expect.stringMatching(/^event time 20\d\d-.* is more than 10m \(the source's maxTimeAhead\) ahead of the record's Kafka timestamp, 20\d\d-/) },
  ]);
  const views = await stack.db.query<{ window_start: Date; view_count: string }>('SELECT window_start, view_count FROM page_view_counts ORDER BY window_start');
  expect(views.map((v) => [v.window_start.toISOString().slice(0, 7), Number(v.view_count)])).toEqual([
    [A_DAY_AGO.slice(0, 7), 2],
    [fiveMinutesAhead.slice(0, 7), 1],
  ]);
  const enriched = (await readTopic(stack.enriched, 3, 3)).map((m) => (JSON.parse(m.value!.toString()) as { user_id: string }).user_id);
  expect(enriched.sort()).toEqual(['u1', 'u4', 'u5']);
});
