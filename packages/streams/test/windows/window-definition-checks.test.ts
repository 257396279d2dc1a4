import { count, memorySink, streams, type HoppingWindows, type TumblingWindows, type WindowResult } from '../../src';
import { TopologyTestDriver } from '../../src/testing';
import { event, MIN, sourceOptions, T0 } from '../support/events';

// TumblingWindows / HoppingWindows / SessionWindows are exported plain interfaces, so a window
// definition written as an object (say from configuration) compiles without a factory. `window()`
// checks it as `tumbling()`, `hopping()` and `session()` check theirs; unchecked, a size of 0
// counted nothing and an advance past the size lost the records between windows.
function windowedCounts(windows: TumblingWindows | HoppingWindows) {
  const app = streams({ applicationId: 'window-literals' });
  const sink = memorySink<WindowResult<string, number>>();
  app.source('e', sourceOptions).groupByKey().window(windows).aggregate(count()).to(sink);
  return { app, sink };
}

describe('window() given a definition the factories would refuse', () => {
  it('refuses a tumbling window of size 0 (it counts nothing: every record is dropped)', () => {
    expect(() => windowedCounts({ kind: 'tumbling', size: 0, advance: 0 })).toThrow(RangeError);
  });

  it('refuses a hopping window whose advance exceeds its size (records in the gaps are dropped)', () => {
    expect(() => windowedCounts({ kind: 'hopping', size: MIN, advance: 2 * MIN })).toThrow(RangeError);
  });

  it('refuses a tumbling window whose advance is not its size (it overlaps like a hopping one)', () => {
    expect(() => windowedCounts({ kind: 'tumbling', size: MIN, advance: MIN / 2 })).toThrow(RangeError);
  });

  it('takes a valid definition written as an object, and counts with it', async () => {
    const built = windowedCounts({ kind: 'hopping', size: 2 * MIN, advance: MIN });
    const driver = await TopologyTestDriver.create(built.app);
    await driver.pipe('e', event(0));
    await driver.pipe('e', event(MIN + 1_000));
    expect(driver.values(built.sink).map((r) => [r.windowStart - T0, r.value])).toEqual([
      [-MIN, 1],
      [0, 1],
      [0, 2],
      [MIN, 1],
    ]);
  });
});

describe('window() given sizes that are not whole milliseconds', () => {
  it('refuses them: the boundaries would fall between the records’ times', () => {
    expect(() => windowedCounts({ kind: 'tumbling', size: 1.5, advance: 1.5 })).toThrow('tumbling window size must be a positive whole number of ms, got 1.5');
    expect(() => windowedCounts({ kind: 'hopping', size: MIN, advance: 16_200.000000000002 })).toThrow(RangeError);
  });
});
