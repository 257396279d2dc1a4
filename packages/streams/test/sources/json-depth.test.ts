import { count, memorySink, streams, tumbling, type DeadLetter } from '../../src';
import { MAX_JSON_DEPTH, nestedDeeperThan } from '../../src/sources/json-depth';
import { TopologyTestDriver } from '../../src/testing';
import { event, sourceOptions } from '../support/events';

// JSON.parse reads any depth; JSON.stringify and structured clone recurse, and overflow the stack
// a few thousand levels down. A record that deep passed the source and failed where it was
// serialized (a repartition topic, a sink thread), at every replay: the source dead-letters it.

/** An event whose extra property makes it `depth` levels deep (the event itself is one). */
const nested = (depth: number) => `${JSON.stringify(event(0)).slice(0, -1)},"extra":${'{"a":'.repeat(depth - 1)}1${'}'.repeat(depth - 1)}}`;

describe('nestedDeeperThan', () => {
  it('counts arrays and objects, the outermost as one', () => {
    expect(nestedDeeperThan(Buffer.from('{"a":[[1]]}'), 2)).toBe(true);
    expect(nestedDeeperThan(Buffer.from('{"a":[[1]]}'), 3)).toBe(false);
    expect(nestedDeeperThan(Buffer.from('[[],[],{"a":1}]'), 2)).toBe(false);
    expect(nestedDeeperThan(Buffer.from('[[],[],{"a":{"b":[]}}]'), 2)).toBe(true);
  });

  it('skips brackets and escaped quotes inside strings', () => {
    expect(nestedDeeperThan(Buffer.from('{"[[[[":"{{{{"}'), 1)).toBe(false);
    expect(nestedDeeperThan(Buffer.from('{"a":"\\"[[[[\\\\","b":"x"}'), 1)).toBe(false);
    expect(nestedDeeperThan(Buffer.from('{"a":"\\\\","b":[[1]]}'), 2)).toBe(true);
    expect(nestedDeeperThan(Buffer.from('{"é€😀":[["[é"]]}'), 3)).toBe(false);
  });

  it('is exact at the limit', () => {
    expect(nestedDeeperThan(Buffer.from(nested(MAX_JSON_DEPTH)), MAX_JSON_DEPTH)).toBe(false);
    expect(nestedDeeperThan(Buffer.from(nested(MAX_JSON_DEPTH + 1)), MAX_JSON_DEPTH)).toBe(true);
  });
});

describe.each(['in-process', 'topics'] as const)('a source, repartition %s', (repartition) => {
  it('dead-letters JSON nested deeper than MAX_JSON_DEPTH, and re-keys and counts one at the limit', async () => {
    const app = streams({ applicationId: 'json-depth' });
    const deadLetter = memorySink<DeadLetter>();
    const lake = memorySink<unknown>();
    const counts = memorySink<unknown>();
    const events = app.source('events', { ...sourceOptions, deadLetter });
    events.to(lake);
    events.groupBy((e) => e.page_url).window(tumbling('1m')).aggregate(count()).to(counts);
    const driver = await TopologyTestDriver.create(app, { repartition });

    await driver.pipe('events', nested(5000));
    await driver.pipe('events', nested(MAX_JSON_DEPTH + 1));
    await driver.pipe('events', nested(MAX_JSON_DEPTH));

    expect(driver.values(deadLetter).map((l) => [l.offset, l.reason])).toEqual([
      [0, 'JSON nested deeper than 1000 levels of arrays and objects'],
      [1, 'JSON nested deeper than 1000 levels of arrays and objects'],
    ]);
    expect(driver.values(lake)).toHaveLength(1);
    expect(driver.values(counts)).toEqual([expect.objectContaining({ key: '/home', value: 1 })]);
    await driver.close();
  });
});
