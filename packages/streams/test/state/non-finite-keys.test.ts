import { Type } from '@sinclair/typebox';
import { count, memorySink, streams, tumbling, type DeadLetter, type WindowResult } from '../../src';
import { TopologyTestDriver } from '../../src/testing';

// Keys are saved (stores, changelogs) and sent (repartition topics) as JSON, which writes NaN,
// Infinity and -Infinity all as null. Before, a groupBy to Infinity and one to -Infinity counted
// apart until a restart, then came back as one count under the key null (and a sqlite timer
// store looped for ever on such a key). A source's key function that gives one now dead-letters
// the record, with the reason; a groupBy's fails the app, naming the groupBy.

const Reading = Type.Object({ t: Type.Number(), ratio: Type.Number() });
const ratioKey = (r: { ratio: number }) => (r.ratio === 1 ? Infinity : r.ratio === -1 ? -Infinity : r.ratio === 2 ? Number.NaN : r.ratio);

describe('keys that JSON cannot hold', () => {
  it.each(['in-process', 'topics'] as const)('a groupBy whose function gives Infinity fails, naming the groupBy (repartition %s)', async (repartition) => {
    const app = streams({ applicationId: `non-finite-groupby-${repartition}` });
    app
      .source('readings', { value: Reading, key: () => 'k', timestamp: (r) => r.t })
      .groupBy(ratioKey, { name: 'by-ratio' })
      .window(tumbling('1m'))
      .aggregate(count())
      .to(memorySink<WindowResult<number, number>>());
    const driver = await TopologyTestDriver.create(app, { repartition });
    await driver.pipe('readings', { t: 1_000, ratio: 0.5 });
    await expect(driver.pipe('readings', { t: 2_000, ratio: 1 })).rejects.toThrow(
      'by-ratio: the key function gave Infinity for a record; Infinity is not a finite number: keys are saved and sent as JSON, which writes NaN and ±Infinity as null',
    );
  });

  it("dead-letters a record whose source key function gives NaN or undefined, with the reason, and keeps the others' keys apart across a restart", async () => {
    const app = streams({ applicationId: 'non-finite-source-key' });
    const deadLetter = memorySink<DeadLetter>();
    const counts = memorySink<WindowResult<number, number>>();
    app
      .source('readings', { value: Reading, key: (r) => (r.ratio === 3 ? (undefined as never) : ratioKey(r)), timestamp: (r) => r.t, deadLetter })
      .withWatermark(0)
      .groupByKey()
      .window(tumbling('1m'))
      .aggregate(count(), { emit: 'final' })
      .to(counts);
    const driver = await TopologyTestDriver.create(app);
    await driver.pipe('readings', { t: 1_000, ratio: 2 }); // NaN
    await driver.pipe('readings', { t: 1_500, ratio: 3 }); // undefined
    await driver.pipe('readings', { t: 2_000, ratio: 0.5 });
    await driver.pipe('readings', { t: 3_000, ratio: 0.25 });
    await driver.restart();
    await driver.pipe('readings', { t: 120_000, ratio: 0 }); // closes [0, 1m)
    expect(driver.values(deadLetter).map((l) => l.reason)).toEqual([
      'key: NaN is not a finite number: keys are saved and sent as JSON, which writes NaN and ±Infinity as null',
      'key: a key is a string, a finite number or null, not undefined',
    ]);
    expect(driver.values(counts).map((r) => [r.key, r.value])).toEqual([
      [0.5, 1],
      [0.25, 1],
    ]);
  });
});
