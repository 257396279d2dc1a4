import { count, countDistinct, hopping, memorySink, streams, type WindowResult } from '../../src';
import { assignWindows } from '../../src/windows/assign';
import { TopologyTestDriver } from '../../src/testing';
import { event, MIN, sourceOptions, T0 } from '../support/events';

describe('hopping windows', () => {
  it('assigns a record to size/advance epoch-aligned windows, a record at a window end leaving it', () => {
    const starts: number[] = [];
    const w = hopping({ size: '5m', advance: '1m' });
    expect(starts.slice(0, assignWindows(w, 7 * MIN, starts))).toEqual([3, 4, 5, 6, 7].map((m) => m * MIN));
    expect(starts.slice(0, assignWindows(w, 7 * MIN - 1, starts))).toEqual([2, 3, 4, 5, 6].map((m) => m * MIN));
    const uneven = hopping({ size: '5m', advance: '2m' });
    expect(starts.slice(0, assignWindows(uneven, 7 * MIN, starts))).toEqual([4 * MIN, 6 * MIN]);
    expect(starts.slice(0, assignWindows(uneven, -1, starts))).toEqual([-4 * MIN, -2 * MIN]);
  });

  it('rejects an advance larger than the size', () => {
    expect(() => hopping({ size: '1m', advance: '2m' })).toThrow(/must not exceed its size/);
  });

  it('counts distinct users of the whole stream in 5-minute windows every minute (final mode)', async () => {
    const app = streams({ applicationId: 'hopping-test' });
    const sink = memorySink<WindowResult<null, number>>();
    app
      .source('events', sourceOptions)
      .withWatermark('2m')
      .window(hopping({ size: '5m', advance: '1m' }))
      .aggregate(countDistinct((e) => e.user_id), { emit: 'final' })
      .to(sink);
    const driver = await TopologyTestDriver.create(app);
    await driver.pipe('events', event(0, { user_id: 'a' }));
    await driver.pipe('events', event(30_000, { user_id: 'b' }));
    await driver.pipe('events', event(60_000, { user_id: 'a' }));
    await driver.pipe('events', event(2 * MIN, { user_id: 'c' }));
    // Watermark 8m closes every window ending at or before 8m (starts up to 3m); start 3m holds nothing.
    await driver.pipe('events', event(10 * MIN, { user_id: 'z' }));
    const closed = driver.values(sink).map((r) => [(r.windowStart - T0) / MIN, r.value]);
    expect(closed).toEqual([
      [-4, 2], // a, b
      [-3, 2], // a, b (a again at 1m)
      [-2, 3], // a, b, c
      [-1, 3],
      [0, 3],
      [1, 2], // a at 1m, c
      [2, 1], // c
    ]);
    expect(driver.values(sink).every((r) => r.key === null && r.windowEnd - r.windowStart === 5 * MIN)).toBe(true);
  });

  it('counts a record that is late for its oldest windows into the newer ones only', async () => {
    const app = streams({ applicationId: 'hopping-late' });
    const sink = memorySink<WindowResult<null, number>>();
    const late = memorySink<unknown>();
    const counts = app
      .source('events', sourceOptions)
      .withWatermark('1m')
      .window(hopping({ size: '3m', advance: '1m' }))
      .aggregate(count(), { emit: 'final' });
    counts.to(sink);
    counts.late().to(late);
    const driver = await TopologyTestDriver.create(app);
    await driver.pipe('events', event(3 * MIN)); // watermark 2m
    await driver.pipe('events', event(MIN + 30_000)); // windows [-1m,2m) late; [0,3m), [1m,4m) not
    await driver.pipe('events', event(20 * MIN)); // closes everything up to 19m
    const byStart = Object.fromEntries(driver.values(sink).map((r) => [(r.windowStart - T0) / MIN, r.value]));
    expect(byStart).toEqual({ 0: 1, 1: 2, 2: 1, 3: 1 });
    expect(driver.values(late)).toHaveLength(1);
    expect(driver.metrics().late['windowAggregate-1']).toBe(1);
  });
});
