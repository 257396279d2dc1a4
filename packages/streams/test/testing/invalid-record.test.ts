import { memorySink, streams, type DeadLetter } from '../../src';
import { TopologyTestDriver } from '../../src/testing';
import { event, sourceOptions, type Event } from '../support/events';

// `pipe` takes any value: a test record with a misspelt field fails the schema. With no
// dead-letter sink on its source, the engine only logs it, and the driver's logger is silent, so
// the record vanished and the test saw no output and no error.

describe('the test driver, given a record its source cannot read', () => {
  it('rejects the pipe with the reason when the source has no dead-letter sink, and goes on', async () => {
    const app = streams({ applicationId: 'driver-invalid' });
    const sink = memorySink<Event>();
    app.source('events', sourceOptions).to(sink);
    const driver = await TopologyTestDriver.create(app);
    const { user_id: _dropped, ...misspelt } = { ...event(0), userId: 'u1' };
    await expect(driver.pipe('events', misspelt)).rejects.toThrow(
      "the record piped to events (partition 0, offset 0) is invalid and was skipped (schema: /user_id: Expected required property); give the source a deadLetter sink to test invalid records",
    );
    await driver.pipe('events', event(1));
    expect(driver.values(sink)).toEqual([event(1)]);
    await driver.restart(); // the skipped record is replayed and skipped again, without a throw
    expect(driver.values(sink)).toEqual([event(1)]);
  });

  it('takes it as before when the source has a dead-letter sink', async () => {
    const app = streams({ applicationId: 'driver-invalid-dlq' });
    const dead = memorySink<DeadLetter>();
    app.source('events', { ...sourceOptions, deadLetter: dead }).to(memorySink());
    const driver = await TopologyTestDriver.create(app);
    await driver.pipe('events', 'not json{');
    expect(driver.deadLetters().map((d) => d.reason)).toEqual([expect.stringMatching(/^not JSON/)]);
  });
});
