import type { EngineMetrics } from '../../runtime/metrics';

/**
 * The counters of an engine that closed (a rebalance took its partitions), added to those of the
 * engines before it: the runtime's totals outlive its engines. Its gauges (stores, watermarks,
 * idleness) end with it: they describe partitions the runtime no longer runs.
 */
export function retire(retired: EngineMetrics, closed: EngineMetrics): EngineMetrics {
  return { ...addCounters(retired, closed), storeEntries: {}, watermarks: {}, idlePartitions: [] };
}

/** Adds the counters of `b` to those of `a`; gauges (stores, watermarks, idleness) are `b`'s, and the last commit's duration `b`'s once it has committed. */
export function addCounters(a: EngineMetrics, b: EngineMetrics): EngineMetrics {
  const sum = (x: Record<string, number>, y: Record<string, number>) => {
    const out = { ...x };
    for (const [k, v] of Object.entries(y)) out[k] = (out[k] ?? 0) + v;
    return out;
  };
  return {
    ...b,
    recordsIn: a.recordsIn + b.recordsIn,
    deadLettered: a.deadLettered + b.deadLettered,
    processingFailures: sum(a.processingFailures, b.processingFailures),
    late: sum(a.late, b.late),
    sinkRecords: sum(a.sinkRecords, b.sinkRecords),
    commits: a.commits + b.commits,
    // A gauge of the runtime, not of one engine: an engine that has not committed yet has no last commit.
    lastCommitMs: b.commits > 0 ? b.lastCommitMs : a.lastCommitMs,
    commitMsTotal: a.commitMsTotal + b.commitMsTotal,
    sinkFlushMs: sum(a.sinkFlushMs, b.sinkFlushMs),
  };
}
