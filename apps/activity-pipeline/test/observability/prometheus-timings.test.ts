import { prometheusRegistry } from '../../src/observability/prometheus';
import { runtimeMetrics } from './runtime-metrics';

// Why commits are slow, and how often partitions move: the time spent committing and flushing
// each sink, and the rebalances, as counters (rate() over any range; the last commit's duration,
// a gauge, showed one commit in dozens between two scrapes).

const lines = (text: string, name: string) => text.split('\n').filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `) || l === `# TYPE ${name} counter`);

it('exports commit and per-sink flush seconds and rebalances as counters that follow the runtime’s totals', async () => {
  let now = runtimeMetrics({ commits: 4, commitMsTotal: 1500, sinkFlushMs: { 'enriched-sink': 750, 'lake-sink': 250 }, rebalances: 1 });
  const registry = prometheusRegistry(() => now);
  const first = await registry.metrics();
  expect(lines(first, 'streams_commit_seconds_total')).toEqual(['# TYPE streams_commit_seconds_total counter', 'streams_commit_seconds_total 1.5']);
  expect(lines(first, 'streams_sink_flush_seconds_total')).toEqual([
    '# TYPE streams_sink_flush_seconds_total counter',
    'streams_sink_flush_seconds_total{sink="enriched-sink"} 0.75',
    'streams_sink_flush_seconds_total{sink="lake-sink"} 0.25',
  ]);
  expect(lines(first, 'streams_rebalances_total')).toEqual(['# TYPE streams_rebalances_total counter', 'streams_rebalances_total 1']);

  now = runtimeMetrics({ commits: 6, commitMsTotal: 2500, sinkFlushMs: { 'enriched-sink': 1000, 'lake-sink': 250 }, rebalances: 3 });
  const second = await registry.metrics();
  expect(lines(second, 'streams_commit_seconds_total')).toContain('streams_commit_seconds_total 2.5');
  expect(lines(second, 'streams_sink_flush_seconds_total')).toContain('streams_sink_flush_seconds_total{sink="enriched-sink"} 1');
  expect(lines(second, 'streams_rebalances_total')).toContain('streams_rebalances_total 3');
});
