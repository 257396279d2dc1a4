import type { EngineMetrics } from '../../runtime/metrics';

/** Adds the counters of `b` to those of `a`; gauges (stores, watermarks, idleness) are `b`'s. */
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
    late: sum(a.late, b.late),
    sinkRecords: sum(a.sinkRecords, b.sinkRecords),
    commits: a.commits + b.commits,
  };
}
