import { Type } from '@sinclair/typebox';
import { count, memorySink, streams, tumbling, type DeadLetter, type WindowResult } from '../../src';
import { TopologyTestDriver } from '../../src/testing';

// Event times outside the years 0 to 9999 are dead-lettered. The first bound was what a Date holds
// (±8.64e15 ms): epoch microseconds of today (~1.7e15) passed it, were taken as an event of the
// year ~55,970 and moved the partition's stream time there, so every later real event was late;
// and a time at the bound gave a window whose end no Date holds (sinks write it as a date).

const Reading = Type.Object({ ts: Type.Number(), user_id: Type.String() });
const JAN_2024 = Date.UTC(2024, 0, 1);

function app() {
  const a = streams({ applicationId: 'event-time-bounds' });
  const deadLetters = memorySink<DeadLetter>();
  const counts = memorySink<WindowResult<string, number>>();
  a.source('readings', { value: Reading, key: (r) => r.user_id, timestamp: (r) => r.ts, deadLetter: deadLetters })
    .withWatermark('1m')
    .groupByKey()
    .window(tumbling('1m'))
    .aggregate(count())
    .to(counts);
  return { a, deadLetters, counts };
}

it('dead-letters an event time given in epoch microseconds, as the README says', async () => {
  const { a, deadLetters, counts } = app();
  const driver = await TopologyTestDriver.create(a, { wallClockStart: JAN_2024 });
  await driver.pipe('readings', { ts: JAN_2024 * 1000, user_id: 'u1' }); // epoch microseconds
  await driver.pipe('readings', { ts: JAN_2024, user_id: 'u1' }); // a real event, in ms
  expect({
    deadLettered: driver.values(deadLetters).map((l) => l.offset),
    counted: driver.values(counts).map((r) => new Date(r.windowStart).getUTCFullYear()),
  }).toEqual({ deadLettered: [0], counted: [2024] });
});

it('gives no window an end that a Date cannot hold (sinks write window times as dates)', async () => {
  const { a, counts } = app();
  const driver = await TopologyTestDriver.create(a, { wallClockStart: JAN_2024 });
  await driver.pipe('readings', { ts: 8.64e15, user_id: 'u1' }); // accepted: not beyond ±8.64e15
  const ends = driver.values(counts).map((r) => r.windowEnd);
  // e.g. postgresSink's documented row: window_end: new Date(r.windowEnd)
  expect(ends.map((end) => Number.isNaN(new Date(end).getTime()))).not.toContain(true);
});
