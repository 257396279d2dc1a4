import { memorySink, streams, type DeadLetter } from '../../src';
import { TopologyTestDriver } from '../../src/testing';
import { event, sourceOptions, type Event } from '../support/events';

// A value the topic took can become a record the producer refuses: a repartition record holds the
// whole value and an envelope, and invalid UTF-8 grows from 1 to 3 bytes a character once
// decoded. maxValueBytes bounds what a source takes, so everything made of it stays sendable.

/** An event whose JSON is exactly `bytes` long, padded with an extra property. */
function eventOfBytes(bytes: number): Buffer {
  const base = JSON.stringify({ ...event(0), pad: '' });
  const json = JSON.stringify({ ...event(0), pad: 'x'.repeat(bytes - Buffer.byteLength(base)) });
  expect(Buffer.byteLength(json)).toBe(bytes);
  return Buffer.from(json);
}

it('dead-letters values over maxValueBytes unread, with their size, and takes one of exactly that size', async () => {
  const app = streams({ applicationId: 'max-value-bytes' });
  const deadLetter = memorySink<DeadLetter>();
  const out = memorySink<Event>();
  app.source('events', { ...sourceOptions, maxValueBytes: 1_000, deadLetter }).to(out);
  const driver = await TopologyTestDriver.create(app);
  await driver.pipe('events', eventOfBytes(1_000));
  await driver.pipe('events', eventOfBytes(1_001));
  // Not even JSON: the size alone decides, before any parsing.
  await driver.pipe('events', Buffer.alloc(5_000, 0xff));

  expect(driver.values(out)).toHaveLength(1);
  expect(driver.values(deadLetter).map((d) => [d.offset, d.reason, d.value!.length])).toEqual([
    [1, "value of 1001 bytes, over the source's maxValueBytes (1000)", 1_001],
    [2, "value of 5000 bytes, over the source's maxValueBytes (1000)", 5_000],
  ]);
  expect(app.describe()).toContain('values up to 1000 bytes');
  await driver.close();
});

it('refuses a maxValueBytes that is not a positive whole number, naming the source', () => {
  for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
    expect(() => streams({ applicationId: 'bad' }).source('events', { ...sourceOptions, maxValueBytes: bad })).toThrow(
      `source 'events': maxValueBytes must be a positive whole number of bytes, got ${String(bad)}`,
    );
  }
});
