import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { prometheusRegistry } from '../../src/observability/prometheus';
import { runtimeMetrics } from './runtime-metrics';

// An operator reads what a metric means in the README's table: every metric /metrics exports is
// there, and the table names none that /metrics lacks (12 of 15 were in no README).

it('documents in the README every metric /metrics exports, and no other', async () => {
  const exported = (await prometheusRegistry(() => runtimeMetrics({})).metrics())
    .split('\n')
    .filter((l) => l.startsWith('# TYPE '))
    .map((l) => l.split(' ')[2]!)
    // prom-client's own process and Node.js metrics (activity_pipeline_…) are documented as such.
    .filter((name) => name.startsWith('streams_'))
    .sort();
  const readme = readFileSync(join(__dirname, '../../../../README.md'), 'utf8');
  const table = readme.slice(readme.indexOf('### Metrics'), readme.indexOf('## Querying the results'));
  const documented = [...table.matchAll(/^\| `(streams_[a-z_]+)` \|/gm)].map((m) => m[1]!).sort();
  expect(exported.length).toBeGreaterThan(10);
  expect(documented).toEqual(exported);
});
