/** Counters and gauges of a running engine, read by the app (status line, Prometheus). */
export interface EngineMetrics {
  /** Source records read (valid or not). */
  recordsIn: number;
  /** Records sent to a dead-letter sink. */
  deadLettered: number;
  /** Failures of the application's code, per node, with processingErrors 'dead-letter' (a record that fails in two branches counts in both; it is dead-lettered once). */
  processingFailures: Record<string, number>;
  /** Records left out of a window or processor because they were late, per stateful node. */
  late: Record<string, number>;
  /** Records handed to each sink node. */
  sinkRecords: Record<string, number>;
  commits: number;
  lastCommitMs: number;
  /** Time spent in commits, summed (ms): over any interval, divided by the commits, the mean commit time. */
  commitMsTotal: number;
  /** Time each sink's flushes took, summed (ms), by the name of the (first) node writing to it. */
  sinkFlushMs: Record<string, number>;
  /** Entries per state store (summed over tasks): a window and key, a distinct value with its windows, a session, a timer… */
  storeEntries: Record<string, number>;
  /** Watermark per source partition (`topic:partition`), epoch ms. */
  watermarks: Record<string, number>;
  /** Partitions currently considered idle. */
  idlePartitions: string[];
}

export function emptyMetrics(): EngineMetrics {
  return { recordsIn: 0, deadLettered: 0, processingFailures: {}, late: {}, sinkRecords: {}, commits: 0, lastCommitMs: 0, commitMsTotal: 0, sinkFlushMs: {}, storeEntries: {}, watermarks: {}, idlePartitions: [] };
}
