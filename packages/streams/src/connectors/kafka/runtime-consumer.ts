import { KafkaConsumer, type LibrdKafkaError, type TopicPartition } from 'node-rdkafka';
import type { Logger } from '../../logging/logger';
import { baseConfig, type KafkaConnection } from './connection';

export interface Rebalance {
  readonly kind: 'assign' | 'revoke';
  readonly partitions: TopicPartition[];
}

export interface RuntimeConsumerOptions {
  readonly connection: KafkaConnection;
  readonly applicationId: string;
  readonly autoOffsetReset: 'earliest' | 'latest';
  readonly logger: Logger;
  /** Whether the runtime is closing: rebalances are then answered at once. */
  closing(): boolean;
  /** A rebalance to apply between batches (the runtime commits before it gives partitions up). */
  onRebalance(event: Rebalance): void;
}

/** The runtime consumer's tuning; `connection.config` overrides any of it. */
const CONSUMER_DEFAULTS = {
  // Prefetch: up to 20,000 records or 16 MiB a partition, not librdkafka's 100,000 / 64 MiB.
  // A batch is 5,000 records, so the queue still holds several; the fetched records are native
  // memory the process keeps while the pipeline is behind (pnpm bench, memory step).
  'queued.max.messages.kbytes': 16_384,
  'queued.min.messages': 20_000,
  // With the queue full, librdkafka looks again only after this backoff (1 s by default). A
  // 20,000-record queue drains faster than that, and the consumer then starved: a raw consumer
  // with these settings, consume(5000), read ~85,000 records/s with the default, 145,000-180,000
  // with 10-100 ms (tools/bench/MEASUREMENTS.md). The queue's bounds, hence its memory, stay the
  // same; librdkafka warns that low values may cost some CPU.
  'fetch.queue.backoff.ms': 50,
  'fetch.wait.max.ms': 100,
  // A crashed instance holds its partitions until its session expires: 10 s, not 45 s,
  // so a restarted instance resumes quickly (heartbeats come from librdkafka's own thread).
  'session.timeout.ms': 10_000,
  'heartbeat.interval.ms': 2_000,
};

/**
 * The settings of the runtime's consumer, without its rebalance callback: manual commits only,
 * `read_committed`, eager (range) rebalances. Exported so tools can consume exactly as the runtime
 * does (`pnpm bench` measures the client's ceiling with them).
 */
export function runtimeConsumerConfig(connection: KafkaConnection, applicationId: string): Record<string, string | number | boolean> {
  return {
    ...baseConfig(connection, `${applicationId}-consumer`, CONSUMER_DEFAULTS),
    // The runtime's own: KafkaStreams refuses them in connection.config (runtime-owned-settings.ts).
    'group.id': applicationId,
    'enable.auto.commit': false,
    'enable.auto.offset.store': false,
    'isolation.level': 'read_committed',
    'partition.assignment.strategy': 'range',
    // The end of a partition, past the records read when a transaction's commit marker ends it
    // (see Engine.skipTo). It does not end a batch's wait under a steady input: librdkafka reports
    // it only when a fetch comes back empty (see batch-reader.ts).
    'enable.partition.eof': true,
  };
}

/**
 * The runtime's group member: manual commits only, `read_committed`, eager rebalances handed to
 * the runtime's loop (which applies them between batches, after committing what it processed).
 */
export function createRuntimeConsumer(options: RuntimeConsumerOptions): KafkaConsumer {
  const { connection, applicationId, logger } = options;
  const consumer = new KafkaConsumer(
    {
      ...runtimeConsumerConfig(connection, applicationId),
      rebalance_cb: (err: LibrdKafkaError, assignment: TopicPartition[]) => {
        if (options.closing()) {
          // librdkafka revokes everything while closing and waits for unassign(): answer at once,
          // or disconnect() never returns. What could be committed was, before closing began (not
          // after the group dropped this instance: see KafkaStreams' releaseLost).
          if (err.code === -174) consumer.unassign();
          return;
        }
        const kind = err.code === -175 ? 'assign' : err.code === -174 ? 'revoke' : undefined;
        if (kind) options.onRebalance({ kind, partitions: assignment });
        else logger.error('rebalance error', { code: err.code, error: err.message });
      },
    },
    { 'auto.offset.reset': options.autoOffsetReset },
  );
  consumer.setDefaultConsumeTimeout(100);
  consumer.on('event.error', (err: LibrdKafkaError) => logger.warn('kafka consumer error', { code: err.code, error: err.message }));
  return consumer;
}
