import { Type } from '@sinclair/typebox';
import { memorySink, streams, type DeadLetter } from '../../src';
import { TopologyTestDriver } from '../../src/testing';

describe('string formats', () => {
  it('accepts ISO 8601 date-times and dead-letters other strings, with no registration by the app', async () => {
    const app = streams({ applicationId: 'formats' });
    const out = memorySink<unknown>();
    const dead = memorySink<DeadLetter>();
    const Schema = Type.Object({ at: Type.String({ format: 'date-time' }), id: Type.String({ format: 'uuid' }) });
    app.source('t', { value: Schema, key: (v) => v.id, timestamp: (v) => Date.parse(v.at), deadLetter: dead }).to(out);
    const driver = await TopologyTestDriver.create(app);
    const id = '0b7e4c1e-8f3a-4c9b-9d2e-5a6b7c8d9e0f';
    await driver.pipe('t', { at: '2024-01-01T00:00:00.123Z', id });
    await driver.pipe('t', { at: '2024-01-01T01:00:00+02:00', id });
    await driver.pipe('t', { at: '2024-01-01', id });
    await driver.pipe('t', { at: '2024-13-45T99:00:00Z', id });
    await driver.pipe('t', { at: '2024-01-01T00:00:00Z', id: 'not-a-uuid' });
    expect(driver.values(out)).toHaveLength(2);
    expect(driver.values(dead).map((d) => d.reason)).toEqual([
      expect.stringMatching(/^schema: \/at: .*date-time/),
      expect.stringMatching(/^schema: \/at: .*date-time/),
      expect.stringMatching(/^schema: \/id: .*uuid/),
    ]);
  });

  it('dead-letters days that do not exist, which Date.parse would roll over into the next month', async () => {
    const app = streams({ applicationId: 'formats-days' });
    const out = memorySink<{ at: string }>();
    const dead = memorySink<DeadLetter>();
    const Schema = Type.Object({ at: Type.String({ format: 'date-time' }), on: Type.String({ format: 'date' }) });
    app.source('t', { value: Schema, key: (v) => v.on, timestamp: (v) => Date.parse(v.at), deadLetter: dead }).to(out);
    const driver = await TopologyTestDriver.create(app);
    const valid = ['2024-02-29T10:00:00Z', '2024-12-31T23:59:59.999-05:30', '2023-02-28 00:00:00+0100', '0000-02-29T00:00:00Z'];
    const invalid = ['2024-02-30T10:00:00Z', '2023-02-29T10:00:00Z', '2024-04-31T10:00:00Z', '2024-00-10T10:00:00Z', '2024-01-01T24:00:00Z', '2024-01-01T10:00:00+24:00'];
    for (const at of [...valid, ...invalid]) await driver.pipe('t', { at, on: '2024-01-01' });
    await driver.pipe('t', { at: valid[0], on: '2023-02-29' });
    expect(driver.values(out).map((v) => v.at)).toEqual(valid);
    expect(driver.values(dead)).toHaveLength(invalid.length + 1);
  });
});
