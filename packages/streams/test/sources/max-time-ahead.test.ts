import { count, memorySink, streams, tumbling, type DeadLetter, type WindowResult } from '../../src';
import { kafkaSink } from '../../src/connectors/kafka';
import { timestampRisks } from '../../src/connectors/kafka/timestamp-risks';
import { TopologyTestDriver } from '../../src/testing';
import { event, MIN, sourceOptions, T0 } from '../support/events';

// One record from a device whose clock is a day fast moved its partition's watermark a day ahead:
// every later record of the partition was late. maxTimeAhead dead-letters records whose event
// time is further ahead than that of when they were written to Kafka (or of the wall clock, if
// earlier), so they move nothing.

function app() {
  const a = streams({ applicationId: 'max-time-ahead' });
  const deadLetter = memorySink<DeadLetter>();
  const counts = memorySink<WindowResult<string, number>>();
  a.source('events', { ...sourceOptions, maxTimeAhead: '1h', deadLetter })
    .withWatermark('1m')
    .groupBy((e) => e.page_url)
    .window(tumbling('1m'))
    .aggregate(count())
    .to(counts);
  return { app: a, deadLetter, counts };
}

it('dead-letters an event time more than maxTimeAhead ahead of its record’s Kafka timestamp, which then moves no watermark', async () => {
  const { app: a, deadLetter, counts } = app();
  const driver = await TopologyTestDriver.create(a, { wallClockStart: T0 });
  await driver.pipe('events', event(0));
  await driver.pipe('events', event(60 * MIN + 1)); // 1 ms more than 1h ahead: refused
  await driver.pipe('events', event(24 * 60 * MIN)); // a day ahead: refused
  await driver.pipe('events', event(30 * 1000)); // on time: neither moved the watermark past its window
  await driver.pipe('events', event(60 * MIN)); // exactly 1h ahead: taken

  expect(driver.values(deadLetter).map((d) => [d.offset, d.reason])).toEqual([
    [1, "event time 2024-01-01T13:00:00.001Z is more than 1h (the source's maxTimeAhead) ahead of the record's Kafka timestamp, 2024-01-01T12:00:00.000Z"],
    [2, "event time 2024-01-02T12:00:00.000Z is more than 1h (the source's maxTimeAhead) ahead of the record's Kafka timestamp, 2024-01-01T12:00:00.000Z"],
  ]);
  expect(driver.metrics().late).toEqual({});
  const last = new Map(driver.values(counts).map((r) => [r.windowStart, r.value]));
  expect(last).toEqual(
    new Map([
      [T0, 2],
      [T0 + 60 * MIN, 1],
    ]),
  );

  // A record written an hour later is judged from then: the same event time is taken.
  await driver.advanceWallClock('1h');
  await driver.pipe('events', event(60 * MIN + 1));
  expect(driver.values(deadLetter)).toHaveLength(2);
  expect(driver.values(counts).at(-1)).toMatchObject({ windowStart: T0 + 60 * MIN, value: 2 });
  await driver.close();
});

it('judges a record by when it was written to Kafka, so a replay an hour later decides the same', async () => {
  const { app: a, deadLetter, counts } = app();
  const driver = await TopologyTestDriver.create(a, { wallClockStart: T0 + 120 * MIN });
  // Written at T0, read two hours later (a backlog, or a replay): 90 minutes ahead of its writing.
  await driver.pipe('events', event(90 * MIN), { timestamp: T0 });
  await driver.pipe('events', event(30 * MIN), { timestamp: T0 });
  expect(driver.values(deadLetter).map((d) => d.reason)).toEqual([
    "event time 2024-01-01T13:30:00.000Z is more than 1h (the source's maxTimeAhead) ahead of the record's Kafka timestamp, 2024-01-01T12:00:00.000Z",
  ]);
  expect(driver.values(counts).map((r) => [r.windowStart, r.value])).toEqual([[T0 + 30 * MIN, 1]]);
  // Written ahead of the wall clock (a producer whose clock is fast): the wall clock decides.
  await driver.pipe('events', event(200 * MIN), { timestamp: T0 + 180 * MIN });
  expect(driver.values(deadLetter).at(-1)!.reason).toBe(
    "event time 2024-01-01T15:20:00.000Z is more than 1h (the source's maxTimeAhead) ahead of the clock, 2024-01-01T14:00:00.000Z",
  );
  await driver.close();
});

it('judges by the clock a record with no usable Kafka timestamp (0, -1, not a number), which most producers mean as "not set"', async () => {
  const { app: a, deadLetter } = app();
  const driver = await TopologyTestDriver.create(a, { wallClockStart: T0 });
  for (const timestamp of [0, -1, Number.NaN]) await driver.pipe('events', event(30 * MIN), { timestamp });
  await driver.pipe('events', event(90 * MIN), { timestamp: 0 });
  expect(driver.values(deadLetter).map((d) => [d.offset, d.reason])).toEqual([
    [3, "event time 2024-01-01T13:30:00.000Z is more than 1h (the source's maxTimeAhead) ahead of the clock, 2024-01-01T12:00:00.000Z"],
  ]);
  await driver.close();
});

it('describes the bound, and refuses one that is not a duration, naming the source', () => {
  expect(app().app.describe()).toContain("event times up to 1h ahead of their record's timestamp");
  expect(() => streams({ applicationId: 'bad' }).source('events', { ...sourceOptions, maxTimeAhead: 'soon' as never })).toThrow(/source 'events' maxTimeAhead/);
});

it('names the Kafka sinks fed from a source with no maxTimeAhead, or one over the broker’s hour, whose event times the broker may refuse as timestamps', () => {
  const a = streams({ applicationId: 'future-timestamps' });
  const bounded = a.source('bounded', { ...sourceOptions, maxTimeAhead: '50m' });
  const unbounded = a.source('unbounded', sourceOptions);
  const beyondTheBroker = a.source('beyond', { ...sourceOptions, maxTimeAhead: '2h' });
  const atTheBroker = a.source('at', { ...sourceOptions, maxTimeAhead: '1h' });
  atTheBroker.to(kafkaSink({ topic: 'out-d' }));
  bounded.to(kafkaSink({ topic: 'out-a' }));
  unbounded.filter((e) => e.event_type === 'click').to(kafkaSink({ topic: 'out-b' }));
  unbounded.to(memorySink());
  beyondTheBroker.groupBy((e) => e.page_url).window(tumbling('1m')).aggregate(count()).to(kafkaSink({ topic: 'out-c' }));
  expect(timestampRisks(a.topology())).toEqual([
    { source: 'at', sinkTopic: 'out-d', maxTimeAhead: 3_600_000 },
    { source: 'unbounded', sinkTopic: 'out-b' },
    { source: 'beyond', sinkTopic: 'out-c', maxTimeAhead: 7_200_000 },
  ]);
});
