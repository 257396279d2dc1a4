import { count, sinkThread, streams, tumbling, type Sink, type SinkFactory } from '../../src';
import { sourceOptions } from '../support/events';

// `sinkThread().sink(...)` without its type argument gives a `Sink<never>`, which no stream can
// be written to: a forgotten `<typeof factory>` does not compile, as the README promises of a sink
// whose row type does not match. (With the old default, `Sink<unknown>`, window counts reached a
// lake sink of events and failed only in the thread, at run time.) The type check
// (`tsc --noEmit -p .`, part of `pnpm typecheck`) is this test: an unused `@ts-expect-error` fails it.
type LakeEvent = { user_id: string; page_url: string };
export const lakeSink: SinkFactory<string, LakeEvent> = (() => undefined) as unknown as (dir: string) => Sink<LakeEvent>;

it('a threaded sink declared without its factory type does not accept any stream', () => {
  const app = streams({ applicationId: 'untyped-thread-sink' });
  const thread = sinkThread({ name: 'typed-sinks' });
  const counts = app.source('e', sourceOptions).groupByKey().window(tumbling('1m')).aggregate(count());
  const untyped = thread.sink({ module: '/nowhere/thread-sinks.js', factory: 'lakeSink', args: '/data/lake' });
  // @ts-expect-error window counts are not lake events; a sink of unknown type must not take them
  counts.to(untyped);
  // With the type argument it is refused, as it should be.
  // @ts-expect-error window counts are not lake events
  counts.to(thread.sink<typeof lakeSink>({ module: '/nowhere/thread-sinks.js', factory: 'lakeSink', args: '/data/lake' }));
  expect(app.describe()).toContain('[sink]');
});
