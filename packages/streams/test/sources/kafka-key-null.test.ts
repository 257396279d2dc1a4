import { Type } from '@sinclair/typebox';
import { count, memorySink, streams, tumbling, type DeadLetter, type WindowResult } from '../../src';
import { TopologyTestDriver } from '../../src/testing';

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
