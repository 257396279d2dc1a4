import { hostname } from 'node:os';
import type { Logger } from '../../logging/logger';
import type { StateBackend } from '../../state/backends/state-backend';
import type { Topology } from '../../topology/topology';
import { ChangelogBackend } from './changelog-backend';
import { KafkaProducer } from './kafka-producer';
import type { KafkaStreamsOptions } from './kafka-streams-options';

export interface RuntimeProducers {
  /** Kafka sinks, dead letters and repartition records; transactional in exactly-once mode. */
  readonly producer: KafkaProducer | undefined;
  /** Multi-instance, at-least-once: the changelogs' own transactional producer. */
  readonly stateProducer: KafkaProducer | undefined;
  /** Multi-instance: the changelog state backend (unless the options give one). */
  readonly backend: StateBackend | undefined;
}

/**
 * The producers a runtime needs, and in multi-instance mode its changelog state backend. In
 * exactly-once mode one transactional producer carries outputs, changelogs and offsets together;
 * at least once, outputs go through an idempotent producer and each commit's changelog records
 * through a transactional one of their own (a restore then never sees half a commit).
 */
export async function connectProducers(topology: Topology, options: KafkaStreamsOptions, logger: Logger): Promise<RuntimeProducers> {
  const { applicationId } = topology;
  const exactlyOnce = options.processingGuarantee === 'exactly_once';
  const multiInstance = options.scaling === 'multi-instance';
  const { connection } = options;
  const instance = options.instanceId ?? hostname();
  // Two instances with one instanceId (by default the host name) share transactional ids: the newer fences the older.
  const fencedHint = `give each instance its own instanceId ('${instance}' here${options.instanceId === undefined ? ', the host name' : ''}; INSTANCE_ID in the reference app)`;
  if (multiInstance && options.stateBackend && (options.stateBackend.kind === 'local' || options.stateBackend.kind === 'memory')) {
    throw new Error(`scaling 'multi-instance' needs state that follows its partitions between machines: leave stateBackend unset (changelog topics), not '${options.stateBackend.kind}'`);
  }
  const writesKafka = topology.sinks.some((s) => s.sink.kind === 'kafka') || topology.sources.some((s) => s.deadLetter?.kind === 'kafka');
  let producer: KafkaProducer | undefined;
  if (exactlyOnce) {
    producer = await KafkaProducer.connect({ connection, clientId: `${applicationId}-producer`, transactionalId: `${applicationId}-${instance}`, fencedHint, logger });
  } else if (multiInstance || writesKafka) {
    producer = await KafkaProducer.connect({ connection, clientId: `${applicationId}-producer`, logger });
  }
  if (!multiInstance) return { producer, stateProducer: undefined, backend: undefined };
  let stateProducer: KafkaProducer | undefined;
  if (!exactlyOnce) {
    try {
      stateProducer = await KafkaProducer.connect({ connection, clientId: `${applicationId}-state-producer`, transactionalId: `${applicationId}-${instance}-state`, fencedHint, logger });
    } catch (error) {
      await producer?.close().catch(() => undefined);
      throw error;
    }
  }
  const backend =
    options.stateBackend ?? new ChangelogBackend({ connection, topology, producer: stateProducer ?? producer!, ownsTransaction: !exactlyOnce, logger });
  return { producer, stateProducer, backend };
}
