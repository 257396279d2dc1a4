import { count, memorySink, streams, tumbling, type DeadLetter } from '../../src';
import { TopologyTestDriver } from '../../src/testing';
import { event, sourceOptions } from '../support/events';

function app() {
  const a = streams({ applicationId: 'dead-letters' });
  const deadLetter = memorySink<DeadLetter>();
  const passThrough = memorySink<unknown>();
  const counts = memorySink<unknown>();
  const events = a.source('events', { ...sourceOptions, deadLetter });
  events.to(passThrough);
  events.groupBy((e) => e.page_url).window(tumbling('1m')).aggregate(count()).to(counts);
  return { app: a, deadLetter, passThrough, counts };
}

describe('dead letters', () => {
  it('routes records that are not JSON, fail the schema, or have no valid time, with the reason and raw bytes', async () => {
    const { app: a, deadLetter, passThrough } = app();
    const driver = await TopologyTestDriver.create(a, { partitions: 2 });
    await driver.pipe('events', 'not json{', { partition: 1, key: 'k' });
    await driver.pipe('events', { ...event(0), event_type: 'purchase' }, { partition: 0 });
    await driver.pipe('events', { user_id: 'u1' }, { partition: 0 });
    await driver.pipe('events', { ...event(0), event_time: 'yesterday' }, { partition: 0 });
    await driver.pipe('events', null, { partition: 0 });
    await driver.pipe('events', event(0), { partition: 0 });

    const letters = driver.values(deadLetter);
    expect(letters.map((l) => [l.partition, l.offset])).toEqual([[1, 0], [0, 0], [0, 1], [0, 2], [0, 3]]);
    expect(letters.map((l) => l.reason)).toEqual([
      expect.stringMatching(/^not JSON: /),
      expect.stringMatching(/^schema: \/event_type: /),
      expect.stringMatching(/^schema: \/event_time: Expected required property/),
      'event time is not a valid timestamp (got NaN)',
      'empty value (null)',
    ]);
    expect(letters[0]!.value!.toString()).toBe('not json{');
    expect(letters[0]!.key!.toString()).toBe('k');
    expect(letters[0]!.topic).toBe('events');
    expect(driver.values(passThrough)).toHaveLength(1);
    expect(driver.metrics()).toMatchObject({ recordsIn: 6, deadLettered: 5 });
  });

  it('commits past dead letters, so a restart does not route them twice', async () => {
    const { app: a, deadLetter } = app();
    const driver = await TopologyTestDriver.create(a);
    await driver.pipe('events', 'garbage');
    await driver.restart();
    expect(driver.values(deadLetter)).toHaveLength(1);
  });
});
