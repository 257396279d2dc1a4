import { isolatedStack, type IsolatedStack } from './support/isolated-stack';
import { readTopic } from './support/kafka';
import { runOver } from './support/run-over';
import { A_DAY_AGO } from './support/event-time';

// An ISO 8601 time may have any number of fraction digits, and the date-time format took them
// all: an event_time of ~1 MB ('2026-01-05T10:00:00.000…0Z') was a valid event. The enriched
// record copies event_time and adds processing_time, and its key is user_id: with a user_id and
// page_url of invalid UTF-8 (1 byte each in the input, U+FFFD, 3 bytes, in the output), an input
// the broker took made an enriched record the producer refused ("larger than the producer's
// message.max.bytes"), and the pipeline stopped at every restart. The schema bounds event_time
// now (64 characters: nanoseconds and an offset take 35), so what an event adds to the enriched
// topic is bounded; longer ones are dead-lettered. (Since then the source also refuses events
// over 64 KiB, MAX_EVENT_BYTES, which that event was: the one here stays under it.)

jest.setTimeout(90_000);

// Invalid UTF-8 is dead-lettered now; the widest valid text of 682 characters (each 3 bytes) keeps
// the enriched record as large as it can be: 2,046 bytes, within MAX_KEY_BYTES.
const wideText = Buffer.from('€'.repeat(682));
const event = (eventTime: string, user: Buffer) =>
  Buffer.concat([
    Buffer.from(`{"event_time":"${eventTime}","user_id":"`),
    user,
    Buffer.from('","page_url":"/'),
    wideText,
    Buffer.from('","event_type":"page_view"}'),
  ]);
const withDigits = (digits: number) => `${A_DAY_AGO.slice(0, 19)}.${'0'.repeat(digits)}Z`;

let stack: IsolatedStack | undefined;
afterAll(() => stack?.remove());

it('dead-letters an event_time over 64 characters, takes one of 64, and keeps running', async () => {
  stack = await isolatedStack({}, 1);
  const huge = event(withDigits(60_000), wideText);
  expect(huge.length).toBeLessThan(64 * 1024);
  const records = [
    { key: wideText.toString(), value: huge },
    { key: 'u2', value: event(withDigits(64 - 21), Buffer.from('u2')) },
    { key: 'u3', value: event(withDigits(64 - 20), Buffer.from('u3')) },
    { key: 'u4', value: event(A_DAY_AGO, Buffer.from('u4')) },
  ].map((r) => ({ partition: 0, ...r }));
  expect(withDigits(64 - 21)).toHaveLength(64);
  const { deadLettered, letters } = await runOver(stack, records);
  expect(deadLettered).toBe(2);
  expect(letters).toEqual([
    { offset: '0', reason: expect.stringMatching(/^schema: \/event_time: /) },
    { offset: '2', reason: expect.stringMatching(/^schema: \/event_time: /) },
  ]);
  const enriched = (await readTopic(stack.enriched, 3, 2)).map((m) => JSON.parse(m.value!.toString()) as { user_id: string; event_time: string });
  expect(enriched.map((e) => [e.user_id, e.event_time]).sort()).toEqual([
    ['u2', withDigits(64 - 21)],
    ['u4', A_DAY_AGO],
  ]);
});
