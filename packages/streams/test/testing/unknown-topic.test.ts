import { memorySink, streams } from '../../src';
import { TopologyTestDriver } from '../../src/testing';
import { event, sourceOptions, type Event } from '../support/events';

describe('the test driver, given a topic the app does not read', () => {
  it('refuses the record and keeps it out of what a restart replays', async () => {
    const app = streams({ applicationId: 'driver-unknown-topic' });
    const sink = memorySink<Event>();
    app.source('events', sourceOptions).to(sink);
    const driver = await TopologyTestDriver.create(app, { commit: 'manual' });
    await expect(driver.pipe('evnets', event(0))).rejects.toThrow('evnets');
    await driver.pipe('events', event(1));
    await driver.restart(); // nothing committed: replays what was piped
    await driver.commit();
    expect(driver.values(sink)).toEqual([event(1)]);
  });
});
