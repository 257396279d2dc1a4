import { count, memorySink, session, streams, tumbling, type WindowDefinition, type WindowResult } from '../../src';
import { TopologyTestDriver } from '../../src/testing';
import { event, MIN, sourceOptions } from '../support/events';

// `WindowDefinition` is "any window definition accepted by `window()`": a window chosen at run time
// (configuration) must compile, with a mergeable aggregator as sessions need. The type check
// (`tsc --noEmit -p .`, part of `pnpm typecheck`) is half of this test: before the union overload,
// the two window() calls below failed with TS2769. The other half runs them.
const useSessions = process.env.DSL_TEST_SESSIONS === '1';

it('takes a WindowDefinition (as its documentation says) and aggregates with a mergeable aggregator', async () => {
  const windows: WindowDefinition = useSessions ? session('30m') : tumbling('1m');
  const app = streams({ applicationId: 'window-definition' });
  const events = app.source('e', sourceOptions);
  const perUser = memorySink<WindowResult<string, number>>();
  const all = memorySink<WindowResult<null, number>>();
  events.groupByKey().window(windows).aggregate(count()).to(perUser);
  events.window(windows).aggregate(count()).to(all);
  const driver = await TopologyTestDriver.create(app);
  await driver.pipe('e', event(0));
  await driver.pipe('e', event(2 * MIN));
  expect(driver.values(perUser).length).toBeGreaterThan(0);
  expect(driver.values(all).length).toBeGreaterThan(0);
});
