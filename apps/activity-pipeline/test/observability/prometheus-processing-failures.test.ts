import { prometheusRegistry } from '../../src/observability/prometheus';
import { runtimeMetrics } from './runtime-metrics';

// A rise of streams_processing_failures_total is a bug met by some events: the counter follows the
// runtime's totals per operator, so rate() shows where and how often.

const lines = (text: string) => text.split('\n').filter((l) => l.startsWith('streams_processing_failures_total{'));

it('exports the failures of the application’s code per operator as a counter that follows the runtime’s totals', async () => {
  let now = runtimeMetrics({ deadLettered: 3, processingFailures: { enrich: 2, 'session-tracker': 1 } });
  const registry = prometheusRegistry(() => now);
  expect(lines(await registry.metrics())).toEqual([
    'streams_processing_failures_total{operator="enrich"} 2',
    'streams_processing_failures_total{operator="session-tracker"} 1',
  ]);
  now = runtimeMetrics({ deadLettered: 8, processingFailures: { enrich: 7, 'session-tracker': 1 } });
  expect(lines(await registry.metrics())).toEqual([
    'streams_processing_failures_total{operator="enrich"} 7',
    'streams_processing_failures_total{operator="session-tracker"} 1',
  ]);
});
