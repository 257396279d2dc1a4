import { Type } from '@sinclair/typebox';
import { count, memorySink, streams, tumbling, type DeadLetter, type WindowResult } from '../../src';
import { TopologyTestDriver } from '../../src/testing';
import { event, MIN, sourceOptions } from '../support/events';

// A source's `key` comes from the value; `groupByKey()` keeps each key's state in the task of its
// partition, which is right only if the topic is keyed by that key. A record keyed otherwise (a
// client keying by device, or by nothing) can sit in another partition than its key's other
// records, and its state would be apart from theirs: a user's session_end that never meets its
// session_start. Such a record is dead-lettered, with the reason, wherever a groupByKey relies on
// the key; a source whose records are re-keyed (groupBy) takes any Kafka key.

function perUserCounts() {
  const app = streams({ applicationId: 'kafka-key' });
  const deadLetters = memorySink<DeadLetter>();
  const counts = memorySink<WindowResult<string, number>>();
  app.source('events', { ...sourceOptions, deadLetter: deadLetters }).withWatermark('1m').groupByKey().window(tumbling('1m')).aggregate(count()).to(counts);
  return { app, deadLetters, counts };
}

describe('a source under a groupByKey', () => {
  it("dead-letters a record whose Kafka key is not its source key, or that has none, naming both", async () => {
    const { app, deadLetters, counts } = perUserCounts();
    const driver = await TopologyTestDriver.create(app);
    await driver.pipe('events', event(0, { user_id: 'u1' }), { key: 'u1' });
    await driver.pipe('events', event(1_000, { user_id: 'u1' }), { key: 'device-42' });
    await driver.pipe('events', event(2_000, { user_id: 'u1' }), { key: null });
    await driver.pipe('events', event(3_000, { user_id: 'u1' })); // the driver keys it by user_id, as a keyed producer would
    expect(driver.values(deadLetters).map((l) => [l.offset, l.reason])).toEqual([
      [1, "Kafka key 'device-42' is not the source key 'u1': a groupByKey() below keeps each key's state in its partition, so the topic must be keyed by it (or re-key with groupBy, which repartitions)"],
      [2, "no Kafka key, where the source key is 'u1': a groupByKey() below keeps each key's state in its partition, so the topic must be keyed by it (or re-key with groupBy, which repartitions)"],
    ]);
    expect(driver.values(counts).at(-1)).toMatchObject({ key: 'u1', value: 2 });
  });

  it('compares a key that is not ASCII as UTF-8 text', async () => {
    const { app, deadLetters, counts } = perUserCounts();
    const driver = await TopologyTestDriver.create(app);
    await driver.pipe('events', event(0, { user_id: 'zoë' }), { key: 'zoë' });
    await driver.pipe('events', event(1_000, { user_id: 'zoë' }), { key: 'zoe' });
    await driver.pipe('events', event(2_000, { user_id: 'zoe' }), { key: 'zoë' });
    expect(driver.values(deadLetters).map((l) => l.offset)).toEqual([1, 2]);
    expect(driver.values(counts).at(-1)).toMatchObject({ key: 'zoë', value: 1 });
  });

  it('reads a number key as its decimal digits', async () => {
    const Reading = Type.Object({ sensor: Type.Integer(), at: Type.Number() });
    const app = streams({ applicationId: 'kafka-key-number' });
    const deadLetters = memorySink<DeadLetter>();
    const counts = memorySink<WindowResult<number, number>>();
    app
      .source('readings', { value: Reading, key: (r) => r.sensor, timestamp: (r) => r.at, deadLetter: deadLetters })
      .groupByKey()
      .window(tumbling('1m'))
      .aggregate(count())
      .to(counts);
    const driver = await TopologyTestDriver.create(app);
    await driver.pipe('readings', { sensor: 42, at: 0 }, { key: '42' });
    await driver.pipe('readings', { sensor: 42, at: 1 }, { key: '042' });
    expect(driver.values(deadLetters).map((l) => l.offset)).toEqual([1]);
    expect(driver.values(counts).at(-1)).toMatchObject({ key: 42, value: 1 });
  });
});

it('takes any Kafka key where the records are re-keyed before any state', async () => {
  const app = streams({ applicationId: 'kafka-key-rekeyed' });
  const deadLetters = memorySink<DeadLetter>();
  const counts = memorySink<WindowResult<string, number>>();
  const events = app.source('events', { ...sourceOptions, deadLetter: deadLetters }).withWatermark('1m');
  events.groupBy((e) => e.page_url).window(tumbling('1m')).aggregate(count()).to(counts);
  events.to(memorySink()); // stateless: no key relied on
  const driver = await TopologyTestDriver.create(app);
  await driver.pipe('events', event(0), { key: 'device-42' });
  await driver.pipe('events', event(MIN / 2), { key: null });
  expect(driver.values(deadLetters)).toEqual([]);
  expect(driver.values(counts).at(-1)).toMatchObject({ key: '/home', value: 2 });
});
