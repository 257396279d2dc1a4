import type { EngineMetrics } from '../../runtime/metrics';
import type { StateBackend } from '../../state/backends/state-backend';
import type { Clock } from '../../time/clock';
import type { Duration } from '../../time/duration';
import type { Logger } from '../../logging/logger';
import type { KafkaConnection } from './connection';

/** Records per batch at most unless `batchSize` says otherwise. */
export const DEFAULT_BATCH_SIZE = 5_000;

export interface KafkaStreamsOptions {
  readonly connection: KafkaConnection;
  /**
   * `at_least_once` (default): after a crash, output since the last commit is written again
   * (idempotent sinks absorb it). `exactly_once`: Kafka output, consumed offsets and state commit
   * in one transaction; `read_committed` readers see each output record once.
   */
  readonly processingGuarantee?: 'at_least_once' | 'exactly_once';
  /** Where task state is kept. Default: `localBackend({ dir: stateDir })`. */
  readonly stateBackend?: StateBackend;
  /** Default `./data/state`. */
  readonly stateDir?: string;
  /** How often to flush sinks and commit. Default 250ms (p99 to PostgreSQL well under 1 s at 10,000 events/s). */
  readonly commitInterval?: Duration;
  /** Where to start in a partition with no committed offset. Default `earliest`. */
  readonly autoOffsetReset?: 'earliest' | 'latest';
  /** A partition with no new data for this long stops holding windows open. Default 30s. */
  readonly idleTimeout?: Duration;
  /** Records per batch at most (a batch takes what has been fetched, without waiting for more). Default DEFAULT_BATCH_SIZE (5,000). */
  readonly batchSize?: number;
  /** Commit early once sinks buffer this many records (backpressure). Default 200,000. */
  readonly maxBufferedRecords?: number;
  /**
   * `single-instance` (default): state in `stateBackend` (local files), re-keyed records passed in
   * process; fastest, and the runtime refuses to run with part of the partitions.
   * `multi-instance`: state in changelog topics and re-keyed records through repartition topics,
   * as in Kafka Streams: instances with the same application id share the partitions, and a
   * partition's state follows it to whichever instance gets it.
   */
  readonly scaling?: 'single-instance' | 'multi-instance';
  /** Replication factor of the internal topics (changelogs, repartitions). Default: the broker's. */
  readonly replicationFactor?: number;
  /** How long repartition topics keep records. Default 1 day (a consumer further behind loses them). */
  readonly repartitionRetention?: Duration;
  /**
   * Stable per instance (two instances on one host need different ids): names the transactional
   * ids, so that a restarted instance aborts what its previous life left open. Default: host name.
   */
  readonly instanceId?: string;
  readonly logger?: Logger;
  readonly clock?: Clock;
}

/** Engine metrics plus what only the runtime knows. */
export interface KafkaStreamsMetrics extends EngineMetrics {
  readonly state: 'starting' | 'running' | 'rebalancing' | 'stopping' | 'stopped' | 'failed';
  /** Records behind the end of each assigned partition. */
  readonly lag: Record<string, number>;
  readonly assigned: string[];
  /** Partition assignments the group gave this instance (one per rebalance it took part in): its rate, how often partitions move. */
  readonly rebalances: number;
}
