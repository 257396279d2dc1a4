import type { SinkThread } from '@pipeline/streams';
import type { KafkaStreamsMetrics } from '@pipeline/streams/kafka';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Prometheus metrics, read from the runtime and the sink threads at each scrape (no work on the
 * hot path). Counters follow the engine's totals; gauges are set to the current values.
 */
export function prometheusRegistry(read: () => KafkaStreamsMetrics, sinkThreads: readonly SinkThread[] = []): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'activity_pipeline_' });
  const last = new Map<string, number>();
  /** Moves a counter up to a total the engine keeps (in milliseconds: `per` 1000 for seconds). */
  const advance = (counter: Counter<string>, id: string, total: number, labels: Record<string, string> = {}, per = 1) => {
    const delta = total - (last.get(id) ?? 0);
    if (delta > 0) counter.inc(labels, delta / per);
    last.set(id, total);
  };

  const records = new Counter({ name: 'streams_records_total', help: 'Source records read (valid or not)', registers: [registry] });
  const deadLettered = new Counter({ name: 'streams_dead_lettered_total', help: 'Records sent to the dead-letter topic', registers: [registry] });
  const processingFailures = new Counter({
    name: 'streams_processing_failures_total',
    help: "Failures of the application's code in each operator: the record was dead-lettered (once, however many operators it failed in) and processing went on; any rise is a bug to look at",
    labelNames: ['operator'],
    registers: [registry],
  });
  const late = new Counter({ name: 'streams_late_records_total', help: 'Records late for an operator, per operator: not given to a processor, left out of a window (a record late only for the oldest of its hopping windows still counts in the newer ones)', labelNames: ['operator'], registers: [registry] });
  const sinkRecords = new Counter({ name: 'streams_sink_records_total', help: 'Records handed to each sink', labelNames: ['sink'], registers: [registry] });
  const commits = new Counter({ name: 'streams_commits_total', help: 'Commits (sinks flushed, state and offsets committed)', registers: [registry] });
  const commitSeconds = new Gauge({ name: 'streams_last_commit_seconds', help: 'Duration of the last commit', registers: [registry] });
  // Totals, not the last value: rate(..._seconds_total) / rate(streams_commits_total) is the mean over any range.
  const commitSecondsTotal = new Counter({ name: 'streams_commit_seconds_total', help: 'Time spent in commits (sinks flushed, state and offsets committed)', registers: [registry] });
  const sinkFlushSeconds = new Counter({ name: 'streams_sink_flush_seconds_total', help: "Time each sink's flushes took (a commit waits for the slowest)", labelNames: ['sink'], registers: [registry] });
  const rebalances = new Counter({ name: 'streams_rebalances_total', help: 'Partition assignments received from the consumer group', registers: [registry] });
  const storeEntries = new Gauge({ name: 'streams_store_entries', help: 'Entries per state store (a window and key, a distinct value with its windows, a session, a timer)', labelNames: ['store'], registers: [registry] });
  const lag = new Gauge({ name: 'streams_consumer_lag', help: 'Records behind the end of each partition', labelNames: ['partition'], registers: [registry] });
  const watermark = new Gauge({ name: 'streams_watermark_seconds', help: 'Watermark of each partition (epoch seconds)', labelNames: ['partition'], registers: [registry] });
  const up = new Gauge({ name: 'streams_running', help: '1 when the runtime is running', registers: [registry] });
  const threadBusy = new Counter({
    name: 'streams_sink_thread_busy_seconds_total',
    help: "Seconds each sink thread ran its sinks' code: its rate near 1, the thread is what holds the commits back",
    labelNames: ['thread'],
    registers: [registry],
  });
  const threadHeap = new Gauge({ name: 'streams_sink_thread_heap_bytes', help: "Each sink thread's V8 heap", labelNames: ['thread'], registers: [registry] });

  const refresh = () => {
    const m = read();
    advance(records, 'records', m.recordsIn);
    advance(deadLettered, 'dead', m.deadLettered);
    for (const [op, n] of Object.entries(m.processingFailures)) advance(processingFailures, `failed:${op}`, n, { operator: op });
    for (const [op, n] of Object.entries(m.late)) advance(late, `late:${op}`, n, { operator: op });
    for (const [sink, n] of Object.entries(m.sinkRecords)) advance(sinkRecords, `sink:${sink}`, n, { sink });
    advance(commits, 'commits', m.commits);
    commitSeconds.set(m.lastCommitMs / 1000);
    advance(commitSecondsTotal, 'commitMs', m.commitMsTotal, {}, 1000);
    for (const [sink, ms] of Object.entries(m.sinkFlushMs)) advance(sinkFlushSeconds, `flush:${sink}`, ms, { sink }, 1000);
    advance(rebalances, 'rebalances', m.rebalances);
    // Only what the runtime reports now: a partition given up (to another instance, or while
    // waiting) or a store closed with it must leave the scrape, not keep its last value.
    for (const gauge of [storeEntries, lag, watermark]) gauge.reset();
    for (const [store, n] of Object.entries(m.storeEntries)) storeEntries.set({ store }, n);
    for (const [partition, n] of Object.entries(m.lag)) lag.set({ partition }, n);
    for (const [partition, wm] of Object.entries(m.watermarks)) if (Number.isFinite(wm)) watermark.set({ partition }, wm / 1000);
    up.set(m.state === 'running' ? 1 : 0);
    for (const thread of sinkThreads) {
      const t = thread.stats();
      advance(threadBusy, `thread:${t.name}`, t.busySeconds, { thread: t.name });
      threadHeap.set({ thread: t.name }, t.heapBytes);
    }
  };
  const metrics = registry.metrics.bind(registry);
  registry.metrics = async () => {
    refresh();
    return metrics();
  };
  return registry;
}
