import { TopologyTestDriver } from '@pipeline/streams/testing';
import { ev, MIN, pipeline } from './support';

// Sessions run on user_id with groupByKey(), with no repartition: the input must be keyed by
// user_id. A record keyed otherwise (a client keying by device) can land in another partition than
// the user's other events, whose task holds another session for the user: the session_end never
// met its session_start, and the session stayed open with the wrong count, silently.
it('dead-letters an event whose Kafka key is not its user_id, with the reason, and keeps the session whole', async () => {
  const { app, sinks } = pipeline();
  const driver = await TopologyTestDriver.create(app, { partitions: 2 });
  await driver.pipe('user_activity', ev(0, 'u1', 'session_start'), { key: 'u1', partition: 0 });
  await driver.pipe('user_activity', ev(1 * MIN, 'u1', 'page_view'), { key: 'u1', partition: 0 });
  await driver.pipe('user_activity', ev(5 * MIN, 'u1', 'session_end'), { key: 'device-42', partition: 1 });
  expect(driver.values(sinks.deadLetters).map((l) => [l.partition, l.offset, l.reason])).toEqual([
    [1, 0, expect.stringMatching(/^Kafka key 'device-42' is not the source key 'u1': /)],
  ]);
  await driver.pipe('user_activity', ev(6 * MIN, 'u1', 'session_end'), { key: 'u1', partition: 0 });
  expect(driver.values(sinks.sessions).at(-1)).toMatchObject({ user_id: 'u1', status: 'ended', event_count: 3 });
});
