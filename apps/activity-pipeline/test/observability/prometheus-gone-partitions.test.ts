import { prometheusRegistry } from '../../src/observability/prometheus';
import { runtimeMetrics } from './runtime-metrics';

// The gauges by partition and by store are set from what the runtime reports at each scrape. A
// partition the instance gave up (another instance took it, or it waits in single-instance mode)
// kept its last lag and watermark in /metrics for good: summed over instances, the lag counted it
// twice, and an instance reading nothing showed a lag of 0. A series the runtime no longer reports
// must leave the scrape.

const seriesOf = (text: string, name: string) => text.split('\n').filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));

it('drops the lag, watermark and store series the runtime no longer reports', async () => {
  let now = runtimeMetrics({
    assigned: ['in:0', 'in:1'],
    lag: { 'in:0': 5, 'in:1': 7 },
    watermarks: { 'in:0': 60_000, 'in:1': 120_000 },
    storeEntries: { 'counts-store': 3 },
  });
  const registry = prometheusRegistry(() => now);
  const first = await registry.metrics();
  expect(seriesOf(first, 'streams_consumer_lag')).toEqual(['streams_consumer_lag{partition="in:0"} 5', 'streams_consumer_lag{partition="in:1"} 7']);

  now = runtimeMetrics({ assigned: ['in:0'], lag: { 'in:0': 2 }, watermarks: { 'in:0': 90_000 }, storeEntries: {} });
  const second = await registry.metrics();
  expect(seriesOf(second, 'streams_consumer_lag')).toEqual(['streams_consumer_lag{partition="in:0"} 2']);
  expect(seriesOf(second, 'streams_watermark_seconds')).toEqual(['streams_watermark_seconds{partition="in:0"} 90']);
  expect(seriesOf(second, 'streams_store_entries')).toEqual([]);

  now = runtimeMetrics({ state: 'rebalancing' });
  const waiting = await registry.metrics();
  expect([...seriesOf(waiting, 'streams_consumer_lag'), ...seriesOf(waiting, 'streams_watermark_seconds')]).toEqual([]);
  expect(seriesOf(waiting, 'streams_running')).toEqual(['streams_running 0']);
});
