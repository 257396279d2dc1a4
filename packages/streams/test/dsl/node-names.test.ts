import { count, hopping, memorySink, streams, tumbling } from '../../src';
import { sourceOptions } from '../support/events';

describe('a name collision involving a source', () => {
  it('names the duplicate name, not a topic read twice, when two sources of different topics share it', () => {
    const app = streams({ applicationId: 'source-names' });
    app.source('a', { ...sourceOptions, name: 'in' }).to(memorySink());
    app.source('b', { ...sourceOptions, name: 'in' }).to(memorySink());
    expect(() => app.topology()).toThrow("two nodes are named 'in': node names must be unique");
  });

  it('names the duplicate name when another node took the name a source gets by default', () => {
    const app = streams({ applicationId: 'source-names-2' });
    app.source('a', sourceOptions).filter(() => true, { name: 'b-source' }).to(memorySink());
    app.source('b', sourceOptions).to(memorySink());
    expect(() => app.topology()).toThrow("two nodes are named 'b-source'");
  });

  it('still says a topic is read twice when it is', () => {
    const app = streams({ applicationId: 'source-names-3' });
    app.source('a', sourceOptions).to(memorySink());
    app.source('a', sourceOptions).withWatermark('1m').to(memorySink());
    expect(() => app.topology()).toThrow("topic 'a' is read by two source streams");
  });
});

describe('names given to window() and aggregate()', () => {
  it('refuses two different names for a grouped window and its aggregate: they make one node', () => {
    const app = streams({ applicationId: 'window-names' });
    const windowed = app.source('e', sourceOptions).groupByKey().window(tumbling('1m'), { name: 'per-minute' });
    expect(() => windowed.aggregate(count(), { name: 'clicks' })).toThrow(
      "window() is named 'per-minute' and its aggregate() 'clicks': they make one node, give it one name",
    );
  });

  it("gives a grouped window's name to its aggregate when only one is named", () => {
    const app = streams({ applicationId: 'window-names-2' });
    const grouped = app.source('e', sourceOptions).groupByKey();
    grouped.window(tumbling('1m'), { name: 'per-minute' }).aggregate(count()).to(memorySink());
    grouped.window(tumbling('1m'), { name: 'same' }).aggregate(count(), { name: 'same' }).to(memorySink());
    expect(app.describe()).toMatch(/per-minute \[windowAggregate\]/);
    expect(app.describe()).toMatch(/same \[windowAggregate\]/);
  });

  it("keeps both names of a global window: the window's names its group-by, the aggregate's the aggregate", () => {
    const app = streams({ applicationId: 'window-names-3' });
    app.source('e', sourceOptions).window(hopping({ size: '5m', advance: '1m' }), { name: 'users-window' }).aggregate(count(), { name: 'users' }).to(memorySink());
    expect(app.describe()).toMatch(/users-window-all \[groupBy\]/);
    expect(app.describe()).toMatch(/users \[windowAggregate\]/);
  });
});
