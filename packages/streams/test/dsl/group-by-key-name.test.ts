import { count, memorySink, streams, tumbling } from '../../src';
import { sourceOptions } from '../support/events';

// The README says every operator takes { name }; groupByKey() took no options, so its node was
// always groupBy-<n> in describe(), metrics and logs.
it('groupByKey takes a name, which describe() shows', () => {
  const app = streams({ applicationId: 'group-by-key-name' });
  app.source('e', sourceOptions).groupByKey({ name: 'by-user' }).window(tumbling('1m')).aggregate(count()).to(memorySink());
  expect(app.describe()).toContain('by-user [groupBy] same key');
});
