import { count, memorySink, streams, tumbling, type WindowResult } from '../../src';
import { TopologyTestDriver } from '../../src/testing';
import { event, sourceOptions } from '../support/events';

// Reading a sink the app does not write to (a second memorySink() made by mistake), or a store by
// a misspelt name, answered [] like a sink or store that got nothing: the test then failed on
// values, or passed for the wrong reason. Both now throw, naming what the app has.

function countsApp() {
  const app = streams({ applicationId: 'driver-unknown-reads' });
  const counts = memorySink<WindowResult<string, number>>();
  app.source('events', sourceOptions).groupByKey().window(tumbling('1m')).aggregate(count(), { name: 'counts' }).to(counts);
  return { app, counts };
}

describe('the test driver, asked about what the app does not have', () => {
  it('refuses a sink the app does not write to', async () => {
    const { app, counts } = countsApp();
    const driver = await TopologyTestDriver.create(app);
    await driver.pipe('events', event(0));
    expect(driver.values(counts)).toHaveLength(1);
    expect(() => driver.values(memorySink())).toThrow('the app writes to no such sink (its sinks: sink-1 (memory memory))');
  });

  it('refuses a store name the app does not have', async () => {
    const { app } = countsApp();
    const driver = await TopologyTestDriver.create(app);
    await driver.pipe('events', event(0));
    expect(await driver.storeEntries('counts-store')).toHaveLength(1);
    await expect(driver.storeEntries('count-store')).rejects.toThrow("the app has no store 'count-store' (its stores: counts-store)");
  });
});
