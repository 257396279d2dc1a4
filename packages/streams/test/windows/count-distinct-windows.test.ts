import { countDistinct, hopping, memorySink, streams, type Duration, type WindowResult } from '../../src';
import { DistinctWindowsStore } from '../../src/state/distinct-windows-store';
import { TopologyTestDriver } from '../../src/testing';
import { event, MIN, sourceOptions, T0 } from '../support/events';

/**
 * countDistinct over fixed windows keeps each value once per key, with the windows it is counted
 * in (DistinctWindowsStore). These tests pin what that store holds and forgets, and that restoring
 * it gives the results an uninterrupted run gives. The property tests (properties.test.ts) check
 * its results against a naive computation over random streams.
 */

const window = (n: number) => (T0 + n * MIN) / MIN; // window number of the window starting T0 + n minutes

function activeUsers(applicationId: string, delay: Duration = '2m') {
  const app = streams({ applicationId });
  const sink = memorySink<WindowResult<null, number>>();
  app
    .source('events', sourceOptions)
    .withWatermark(delay)
    .window(hopping({ size: '5m', advance: '1m' }))
    .aggregate(countDistinct((e) => e.user_id), { name: 'active-users', emit: 'final' })
    .to(sink);
  return { app, sink };
}

const results = (driver: TopologyTestDriver, sink: ReturnType<typeof activeUsers>['sink']) =>
  driver.values(sink).map((r) => [(r.windowStart - T0) / MIN, r.value]);

/** The store's saved entries, as [user, window numbers relative to T0], without the floor. */
async function saved(driver: TopologyTestDriver): Promise<Array<[string, number[]]>> {
  const entries = await driver.storeEntries('active-users-store');
  return entries
    .filter(([k]) => (k as unknown[]).length === 2)
    .map(([k, windows]) => [((k as unknown[])[1] as string).slice(1), (windows as number[]).map((w) => w - window(0))] as [string, number[]])
    .sort((a, b) => a[0].localeCompare(b[0]));
}

describe('countDistinct over hopping windows', () => {
  it('holds each user once, with the windows it is in, and forgets it when they have all closed', async () => {
    const { app, sink } = activeUsers('distinct-once');
    const driver = await TopologyTestDriver.create(app, { commit: 'manual' });
    await driver.pipe('events', event(30_000, { user_id: 'a' }));
    await driver.pipe('events', event(90_000, { user_id: 'a' }));
    await driver.pipe('events', event(2 * MIN, { user_id: 'b' }));
    await driver.commit();
    // a: windows starting -4…0 (from 0:30) and 1 (from 1:30); b: -2…2. One entry each.
    expect(await saved(driver)).toEqual([
      ['a', [-4, -3, -2, -1, 0, 1]],
      ['b', [-2, -1, 0, 1, 2]],
    ]);
    expect(driver.metrics().storeEntries['active-users-store']).toBe(2);

    // Stream time 6:00, watermark 4:00: windows starting up to -1 close; a and b stay (they are in 0…).
    await driver.pipe('events', event(6 * MIN, { user_id: 'c' }));
    await driver.commit();
    expect(results(driver, sink)).toEqual([
      [-4, 1],
      [-3, 1],
      [-2, 2],
      [-1, 2],
    ]);
    // Watermark 8:00: windows up to 3 closed; a (last in 1) is forgotten, b (last in 2) too; c is in 2…6.
    await driver.pipe('events', event(10 * MIN, { user_id: 'd' }));
    await driver.commit();
    // Saved entries keep windows below the floor until the value changes: restore drops them.
    expect(await saved(driver)).toEqual([
      ['c', [2, 3, 4, 5, 6]],
      ['d', [6, 7, 8, 9, 10]],
    ]);
    expect(results(driver, sink).slice(4)).toEqual([
      [0, 2], // a, b
      [1, 2], // a, b
      [2, 2], // b, c
      [3, 1], // c
    ]);
  });

  it('after a restart, gives exactly what an uninterrupted run gives', async () => {
    const input: Array<[number, string]> = [
      [0, 'a'], [40_000, 'b'], [70_000, 'a'], [3 * MIN, 'c'], [2 * MIN, 'b'], // out of order, not late
      [6 * MIN, 'd'], [4 * MIN + 1, 'a'], [9 * MIN, 'e'], [5 * MIN, 'c'], [14 * MIN, 'f'],
    ];
    const run = async (restartEvery: number) => {
      const { app, sink } = activeUsers(`distinct-restart-${restartEvery}`);
      const driver = await TopologyTestDriver.create(app, { commit: 'manual' });
      for (let i = 0; i < input.length; i++) {
        const [at, user] = input[i]!;
        await driver.pipe('events', event(at, { user_id: user }));
        if ((i + 1) % restartEvery === 0) {
          await driver.commit();
          await driver.restart();
        }
      }
      await driver.commit();
      return results(driver, sink);
    };
    const uninterrupted = await run(Number.MAX_SAFE_INTEGER);
    expect(uninterrupted.length).toBeGreaterThan(8);
    expect(await run(1)).toEqual(uninterrupted);
    expect(await run(3)).toEqual(uninterrupted);
  });

  it('counts a value in windows far apart in event time (partitions an hour apart), then restores them', async () => {
    const { app, sink } = activeUsers('distinct-far-apart', '0s');
    const driver = await TopologyTestDriver.create(app, { partitions: 2, commit: 'manual' });
    // Partition 1 is an hour ahead: the global windows around 0:00 stay open for partition 0.
    await driver.pipe('events', event(60 * MIN, { user_id: 'x' }), { partition: 1 });
    await driver.pipe('events', event(0, { user_id: 'x' }), { partition: 0 });
    await driver.pipe('events', event(30_000, { user_id: 'y' }), { partition: 0 });
    await driver.commit();
    expect(await saved(driver)).toEqual([
      ['x', [-4, -3, -2, -1, 0, 56, 57, 58, 59, 60]],
      ['y', [-4, -3, -2, -1, 0]],
    ]);
    await driver.restart();
    // Partition 0 reaches 61:00 (z).
    await driver.pipe('events', event(61 * MIN, { user_id: 'z' }), { partition: 0 });
    await driver.commit();
    // Watermark 60:00 (partition 1): windows ending by then close; 56…60 (x at 60:00) stay open.
    expect(results(driver, sink)).toEqual([[-4, 2], [-3, 2], [-2, 2], [-1, 2], [0, 2]]);
    await driver.restart();
    await driver.pipe('events', event(70 * MIN, { user_id: 'w' }), { partition: 1 });
    await driver.pipe('events', event(70 * MIN, { user_id: 'w' }), { partition: 0 });
    await driver.commit();
    expect(results(driver, sink).slice(5)).toEqual([[56, 1], [57, 2], [58, 2], [59, 2], [60, 2], [61, 1]]);
  });

  it('refuses state saved in the earlier one-set-per-window format, naming the store', () => {
    const store = new DistinctWindowsStore('active-users-store');
    expect(() => store.restore([[JSON.stringify([T0, null, '$a']), 1]])).toThrow(/active-users-store holds entries of an earlier format/);
  });
});
