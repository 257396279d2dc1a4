import { Type } from '@sinclair/typebox';
import { count, memorySink, streams, tumbling, type DeadLetter, type WindowResult } from '../../src';
import { createDecoder } from '../../src/sources/decoder';
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

// The Kafka key is compared as bytes with what a producer sends for the source key (its UTF-8).
// Compared decoded, it was lossy both ways: a source key with a lone surrogate (valid JSON:
// "u\ud800"), which every JavaScript producer sends as the bytes of 'u\ufffd', was dead-lettered;
// and two Kafka keys that are not UTF-8 (0x75 0xff, 0x75 0xfe: two partitions, maybe) both passed
// for the one source key 'u\ufffd'.
it('does not dead-letter a record the driver keyed by its own source key (a lone surrogate in the id)', async () => {
  const { app, deadLetters, counts } = perUserCounts();
  const driver = await TopologyTestDriver.create(app);
  await driver.pipe('events', event(0, { user_id: 'u\ud800' })); // no key given: "the source's key of the value"
  expect(driver.values(deadLetters).map((l) => l.reason)).toEqual([]);
  expect(driver.values(counts).at(-1)).toMatchObject({ key: 'u\ud800', value: 1 });
});

it('does not take two different Kafka keys (invalid UTF-8) as the one source key U+FFFD', () => {
  const { app } = perUserCounts();
  const topology = app.topology();
  const source = topology.sources[0]!;
  expect(topology.reliesOnKafkaKey(source)).toBe(true);
  const decode = createDecoder(source, true);
  const value = Buffer.from(JSON.stringify(event(0, { user_id: 'u\ufffd' })));
  const raw = (key: Buffer) => ({ topic: 'events', partition: 0, offset: 0, key, value, timestamp: 0 });
  const verdicts = [Buffer.from([0x75, 0xff]), Buffer.from([0x75, 0xfe])].map((key) => decode(raw(key), 0).ok);
  expect(verdicts).toEqual([false, false]);
});

// Records with no Kafka key are spread over the partitions (librdkafka: at random; the Java
// client: sticky), so under a groupByKey() the null source key's state would be split over the
// partitions' tasks. Where a groupByKey relies on the key, a null source key is dead-lettered.
const Ev = Type.Object({ at: Type.Number(), user_id: Type.Union([Type.String(), Type.Null()]) });

it('dead-letters a null source key under a groupByKey: unkeyed records would split its state over partitions', async () => {
  const app = streams({ applicationId: 'kafka-key-null' });
  const deadLetters = memorySink<DeadLetter>();
  const counts = memorySink<WindowResult<string | null, number>>();
  app
    .source('events', { value: Ev, key: (e) => e.user_id, timestamp: (e) => e.at, deadLetter: deadLetters })
    .groupByKey()
    .window(tumbling('1m'))
    .aggregate(count())
    .to(counts);
  const driver = await TopologyTestDriver.create(app, { partitions: 2 });
  // Two anonymous events, unkeyed as their producer sends them, hence in two partitions.
  await driver.pipe('events', { at: 0, user_id: null }, { key: null, partition: 0 });
  await driver.pipe('events', { at: 1000, user_id: null }, { key: null, partition: 1 });
  const nullWindow = driver.values(counts).filter((r) => r.key === null && r.windowStart === 0);
  expect(nullWindow).toEqual([]);
  expect(driver.values(deadLetters).map((l) => l.reason)).toEqual([
    expect.stringMatching(/^the source key is null: a groupByKey\(\) below keeps each key's state in its partition/),
    expect.stringMatching(/^the source key is null: /),
  ]);
});
