import fc from 'fast-check';
import { count, memorySink, session, streams, type WindowResult } from '../../src';
import { TopologyTestDriver } from '../../src/testing';
import { event, MIN, sourceOptions, T0 } from '../support/events';
import { cutSessions } from '../support/session-cuts';

// Property tests: their length is bounded by numRuns. Jest's default 5 s per test was too short
// on a loaded CI machine (sqlite-stores' session test timed out there once, complete but slow).
jest.setTimeout(60_000);

// Session windows against a model written the obvious way: drop the records that are late on
// their own partition (before its stream time minus the delay), then cut each key's sorted times
// where two neighbours are more than the gap apart. Two partitions, re-keyed, commits between
// records, both emit modes, delays from none to more than the gap.

const GAP = 2 * MIN;

interface Input {
  readonly at: number;
  readonly page: string;
  readonly partition: number;
}

function modelSessions(inputs: readonly Input[], delay: number): Record<string, number> {
  const streamTime = [-Infinity, -Infinity];
  const times = new Map<string, number[]>();
  for (const { at, page, partition } of inputs) {
    const late = at < streamTime[partition]! - delay;
    streamTime[partition] = Math.max(streamTime[partition]!, at);
    if (!late) times.set(page, [...(times.get(page) ?? []), at]);
  }
  const sessions: Record<string, number> = {};
  for (const [page, ts] of times) {
    for (const { start, end, count } of cutSessions(ts, GAP)) sessions[`${page}|${start}|${end}`] = count;
  }
  return sessions;
}

const input = fc.record({
  at: fc.integer({ min: 0, max: 40 }).map((n) => n * 30_000),
  page: fc.constantFrom('/', '/x'),
  partition: fc.integer({ min: 0, max: 1 }),
});

describe('session windows against a model', () => {
  it.each(['update', 'final'] as const)('give the model’s sessions (%s mode)', async (emit) => {
    await fc.assert(
      fc.asyncProperty(fc.array(input, { maxLength: 30 }), fc.constantFrom(0, MIN, 3 * MIN), async (inputs, delay) => {
        const app = streams({ applicationId: `session-model-${emit}` });
        const sink = memorySink<WindowResult<string, number>>();
        app.source('events', sourceOptions).withWatermark(delay).groupBy((e) => e.page_url).window(session(GAP)).aggregate(count(), { emit }).to(sink);
        const driver = await TopologyTestDriver.create(app, { partitions: 2, commit: 'manual' });
        for (const [i, { at, page, partition }] of inputs.entries()) {
          await driver.pipe('events', event(at, { page_url: page }), { partition });
          if (i % 3 === 0) await driver.commit();
        }
        // Far ahead on both partitions: every session closes.
        for (const partition of [0, 1]) await driver.pipe('events', event(1000 * MIN, { page_url: 'end' }), { partition });
        await driver.commit();
        // The upsert table the output leaves: a row per (key, start), deleted by a retraction.
        const table = new Map<string, [number, number]>();
        for (const { value: w, retract } of driver.output(sink)) {
          if (w.key === 'end') continue;
          const row = `${w.key}|${w.windowStart - T0}`;
          if (retract) table.delete(row);
          else table.set(row, [w.windowEnd - T0, w.value]);
        }
        const sessions = Object.fromEntries([...table].map(([row, [end, n]]) => [`${row}|${end}`, n]));
        expect(sessions).toEqual(modelSessions(inputs, delay));
      }),
      { numRuns: 80 },
    );
  });
});
