/**
 * Type tests: compiled by `tsc --noEmit` (the package's `typecheck`, run by `pnpm test`). Every
 * `@ts-expect-error` line must fail to compile; if the DSL ever accepts it, tsc fails.
 */
import { Type } from '@sinclair/typebox';
import {
  aggregator,
  count,
  countDistinct,
  hopping,
  max,
  memorySink,
  min,
  processor,
  session,
  streams,
  sum,
  tumbling,
  type Sink,
  type Stream,
  type WindowResult,
} from '../../src';

const Click = Type.Object({ user: Type.String(), page: Type.String(), ms: Type.Number() });
const app = streams({ applicationId: 'types' });
const clicks = app.source('clicks', { value: Click, key: (c) => c.user, timestamp: (c) => c.ms }).withWatermark('1m');

// The value type flows from the schema.
const pages: Stream<string, string> = clicks.map((c) => c.page);
// @ts-expect-error a number stream is not a string stream
const wrong: Stream<number, string> = clicks.map((c) => c.page);

// A sink must accept what reaches it.
clicks.to(memorySink<{ user: string; page: string; ms: number }>());
clicks.to(memorySink<{ user: string }>()); // a wider sink type is fine
// @ts-expect-error a sink of another row type does not compile
clicks.to(memorySink<{ user: number }>());

// Window results carry the group's key type and the aggregate's result type.
const perPage = clicks.groupBy((c) => c.page).window(tumbling('1m')).aggregate(count());
perPage.to(memorySink<WindowResult<string, number>>());
// @ts-expect-error the key is a string, not a number
perPage.to(memorySink<WindowResult<number, number>>());
// @ts-expect-error count() results are numbers
perPage.to(memorySink<WindowResult<string, string>>());

// A global window's key is null.
clicks.window(hopping({ size: '5m', advance: '1m' })).aggregate(countDistinct((c) => c.user)).to(memorySink<WindowResult<null, number>>());

// Aggregators see the stream's value type.
clicks.groupByKey().window(tumbling('1m')).aggregate(sum((c) => c.ms));
// @ts-expect-error there is no `seconds` field
clicks.groupByKey().window(tumbling('1m')).aggregate(sum((c) => c.seconds));

// The stages come in order: no aggregate before window, no window result without grouping.
// @ts-expect-error a stream has no aggregate()
clicks.aggregate(count());
// @ts-expect-error a grouped stream must be windowed first
clicks.groupBy((c) => c.page).aggregate(count());
// @ts-expect-error withWatermark() only exists on a source
clicks.map((c) => c).withWatermark('1m');

// Session windows need a mergeable aggregator.
clicks.groupByKey().window(session('30m')).aggregate(count());
const notMergeable = { name: 'x', init: () => 0, add: (n: number) => n + 1, result: (n: number) => n };
// @ts-expect-error sessions merge, so the aggregator needs merge()
clicks.groupByKey().window(session('30m')).aggregate(notMergeable);

// aggregator() keeps a given merge, so sessions take it (as the README's `average` is used).
const average = aggregator({
  name: 'average',
  init: () => ({ sum: 0, n: 0 }),
  add: (acc, c: { ms: number }) => ({ sum: acc.sum + c.ms, n: acc.n + 1 }),
  merge: (a, b) => ({ sum: a.sum + b.sum, n: a.n + b.n }),
  result: (acc) => acc.sum / acc.n,
});
clicks.groupByKey().window(session('30m')).aggregate(average).to(memorySink<WindowResult<string, number>>());
const lastOnly = aggregator({ name: 'last', init: () => 0, add: (_n: number, c: { ms: number }) => c.ms, result: (n) => n });
clicks.groupByKey().window(tumbling('1m')).aggregate(lastOnly);
// @ts-expect-error without merge, aggregator() gives no session aggregator
clicks.groupByKey().window(session('30m')).aggregate(lastOnly);

// A keyed processor must match the stream's key and value types.
const tracker = processor<{ user: string; page: string; ms: number }, { user: string; n: number }, number>({
  process(c, ctx) {
    const n = (ctx.state.get() ?? 0) + 1;
    ctx.state.set(n);
    ctx.emit({ user: c.user, n });
  },
});
clicks.groupByKey().process(tracker).to(memorySink<{ user: string; n: number }>());
const numericKeys = processor<{ user: string; page: string; ms: number }, string, never, number>({ process: () => {} });
// @ts-expect-error the stream's key is a string
clicks.groupByKey().process(numericKeys);
// @ts-expect-error a processor's output type reaches the sink
clicks.groupByKey().process(tracker).to(memorySink<{ user: string; n: string }>());

// A processor or aggregator written for values the stream does not have does not compile, even
// when those values have every field the stream's have and more.
type WithReferrer = { user: string; page: string; ms: number; referrer: string };
const byReferrer = processor<WithReferrer, string>({ process: (c, ctx) => ctx.emit(c.referrer) });
// @ts-expect-error the stream's values have no `referrer`
clicks.groupByKey().process(byReferrer);
// @ts-expect-error the stream's values have no `referrer`
clicks.groupByKey().window(tumbling('1m')).aggregate(sum((c: WithReferrer) => c.referrer.length));
// @ts-expect-error the stream's values have no `referrer`
clicks.groupByKey().window(session('30m')).aggregate(sum((c: WithReferrer) => c.referrer.length));
// One that needs fewer fields than the stream has is fine.
clicks.groupByKey().process(processor<{ user: string }, string>({ process: (c, ctx) => ctx.emit(c.user) }));
clicks.groupByKey().window(tumbling('1m')).aggregate(sum((c: { ms: number }) => c.ms));

// min and max give numbers: a window exists once a record is in it, so never an empty one's null.
clicks.groupByKey().window(tumbling('1m')).aggregate(min((c) => c.ms)).to(memorySink<WindowResult<string, number>>());
clicks.groupByKey().window(session('30m')).aggregate(max((c) => c.ms)).to(memorySink<WindowResult<string, number>>());

// Every operator takes a name, groupByKey too (the README says so).
clicks.groupByKey({ name: 'by-user' }).window(tumbling('1m')).aggregate(count());

// The late side output has the input's type.
perPage.late().to(memorySink<{ user: string; page: string; ms: number }>());

// A type guard narrows the stream.
type Home = { user: string; page: '/'; ms: number };
const home: Stream<Home, string> = clicks.filter((c): c is Home => c.page === '/');

const sink: Sink<WindowResult<string, number>> = memorySink();
export { pages, wrong, home, sink };
