import { hostname } from 'node:os';
import { CODES, type KafkaConsumer, type TopicPartition } from 'node-rdkafka';
import type { StreamsApp } from '../../dsl/streams-app';
import { createLogger, type Logger } from '../../logging/logger';
import { Engine } from '../../runtime/engine';
import { refuseWhatRepartitionTopicsCannotCarry } from '../../runtime/repartition-exchange';
import { emptyMetrics, type EngineMetrics } from '../../runtime/metrics';
import { partitionId, type PartitionOffset } from '../../runtime/record';
import type { Sink, SinkWriter } from '../../sinks/sink';
import { localBackend } from '../../state/backends/local-backend';
import type { StateBackend } from '../../state/backends/state-backend';
import { systemClock, type Clock } from '../../time/clock';
import { parseDuration } from '../../time/duration';
import type { Topology } from '../../topology/topology';
import { checkKafkaStreamsOptions } from './check-options';
import { prepareTopics, SINGLE_INSTANCE_MARKER_KEY } from './internal-topics';
import type { KafkaProducer } from './kafka-producer';
import { connectProducers } from './runtime-producers';
import type { KafkaSinkContext } from './kafka-sink';
import { DEFAULT_BATCH_SIZE, type KafkaStreamsMetrics, type KafkaStreamsOptions } from './kafka-streams-options';
import * as rd from './promisified';
import { connectClient } from './connect-client';
import { StopBeforeStart, unlessStopped } from './stoppable-start';
import { describeTimestampRisk, timestampRisks } from './timestamp-risks';
import { createRuntimeConsumer, runtimeConsumerConfig, type Rebalance } from './runtime-consumer';
import { addCounters, retire } from './runtime-metrics';
import { processInSlices } from './process-in-slices';
import { batchReader } from './batch-reader';
import { toRaw } from './to-raw-record';
import { CommitCycle } from './commit-cycle';
import { partialAssignmentProblem, sourcePartitionCount, sourcePartitionsIn } from './partial-assignment';
import { resolvePreparedCommit } from './prepared-commit';
import { groupOffsets, OPEN_TRANSACTION_WAIT_MS, resumePositions } from './resume-positions';

/**
 * Runs a streams app on Kafka: one consumer group member per instance (the group is the
 * applicationId), an engine over the assigned partitions, and a loop that consumes batches,
 * processes them and commits every `commitInterval` (see `CommitCycle`): sinks flushed first, then
 * state, then offsets.
 * Rebalances are handled between batches: revoked partitions are committed before they are given
 * up (unless the group dropped this instance: then nothing more is committed for them); assigned
 * ones are restored from their checkpoint before their first record.
 *
 * @example
 * const runtime = new KafkaStreams(app, { connection: { brokers: '127.0.0.1:9092' } });
 * await runtime.start();
 * process.once('SIGTERM', () => void runtime.stop());
 */
export class KafkaStreams {
  private readonly topology: Topology;
  private readonly logger: Logger;
  private readonly clock: Clock;
  private backend: StateBackend;
  private readonly exactlyOnce: boolean;
  private readonly multiInstance: boolean;
  /** Multi-instance, at-least-once: the transactional producer of the state changelogs. */
  private stateProducer: KafkaProducer | undefined;
  /** Partition count of source and repartition topics. */
  private readonly partitionCounts = new Map<string, number>();
  /** Names this instance's transactional ids (and, multi-instance, its commit markers). */
  private readonly instance: string;
  /** The key of its commit markers (exactly-once). */
  private readonly markerKey: string;
  private consumer: KafkaConsumer | undefined;
  private producer: KafkaProducer | undefined;
  private engine: Engine | undefined;
  private readonly rebalances: Rebalance[] = [];
  /** Ends of partitions librdkafka reported while the last batch was consumed (see `Engine.skipTo`). */
  private readonly ends: Array<{ topic: string; partition: number; offset: number }> = [];
  private assigned: TopicPartition[] = [];
  private stopping = false;
  private closing = false;
  private status: KafkaStreamsMetrics['state'] = 'stopped';
  private readonly commits: CommitCycle;
  private loopDone: Promise<void> | undefined;
  /** Single-instance: this instance once had every source partition (a newcomer never had them). */
  private hadEveryPartition = false;
  /** The group dropped this instance (max.poll.interval.ms): its next revoke releases the partitions without committing. */
  private droppedByGroup = false;
  /** While `start` connects: asks it to give up (see unlessStopped), and its end. */
  private stopStart: (() => void) | undefined;
  private starting: Promise<void> | undefined;
  /** Releases this runtime's claim of its local state (see StateBackend.claim). */
  private releaseState: (() => Promise<void>) | undefined;

  constructor(
    app: StreamsApp,
    private readonly options: KafkaStreamsOptions,
  ) {
    checkKafkaStreamsOptions(options);
    this.topology = app.topology();
    this.multiInstance = options.scaling === 'multi-instance';
    // Before any topic is created or the group joined: the engine's exchange would refuse the
    // same only at the first assignment, after both.
    if (this.multiInstance) refuseWhatRepartitionTopicsCannotCarry(this.topology);
    this.logger = options.logger ?? createLogger({ fields: { app: app.applicationId } });
    this.clock = options.clock ?? systemClock;
    this.backend = options.stateBackend ?? localBackend({ dir: options.stateDir ?? './data/state' });
    this.exactlyOnce = options.processingGuarantee === 'exactly_once';
    this.instance = options.instanceId ?? hostname();
    this.markerKey = this.multiInstance ? this.instance : SINGLE_INSTANCE_MARKER_KEY;
    this.commits = new CommitCycle({
      clock: this.clock,
      intervalMs: parseDuration(options.commitInterval ?? '250ms', 'commitInterval'),
      exactlyOnce: this.exactlyOnce,
      applicationId: this.topology.applicationId,
      markerKey: this.markerKey,
      logger: this.logger,
      consumer: () => this.consumer!,
      producer: () => this.producer,
    });
  }

  /**
   * Connects, joins the group and starts processing in the background. A `stop()` while it still
   * connects ends it at once: it resolves, with nothing started.
   */
  async start(): Promise<void> {
    if (this.status !== 'stopped') throw new Error('already started');
    // As a Kafka Streams instance: its clients and sinks are closed for good once it has run.
    if (this.loopDone !== undefined) throw new Error('this KafkaStreams has run and stopped: create a new one to start again');
    // A start that failed or was stopped while it connected can be tried again: that stop is over.
    this.stopping = false;
    this.status = 'starting';
    this.starting = this.connectAndRun();
    try {
      await this.starting;
    } finally {
      this.starting = undefined;
      this.stopStart = undefined;
    }
  }

  private async connectAndRun(): Promise<void> {
    const stopRequested = new Promise<void>((resolve) => (this.stopStart = resolve));
    const { applicationId } = this.topology;
    if (!this.backend.durable) {
      this.logger.warn('state backend is not durable: a restart loses window and processor state', { backend: this.backend.kind });
    }
    for (const risk of timestampRisks(this.topology)) this.logger.warn(describeTimestampRisk(risk), { source: risk.source, sinkTopic: risk.sinkTopic });
    const connection = this.options.connection;
    let clients: Awaited<ReturnType<typeof connectProducers>> | undefined;
    let consumer: KafkaConsumer | undefined;
    const closeProducers = (c: Awaited<ReturnType<typeof connectProducers>> | undefined) => Promise.allSettled([c?.producer?.close(), c?.stateProducer?.close()]);
    let consumerConnected = false;
    let claiming: Promise<() => Promise<void>> | undefined;
    let releaseState: (() => Promise<void>) | undefined;
    try {
      // Before the group is joined: a second instance on the same local state refuses here, and
      // the running one never sees a rebalance. Multi-instance state lives in changelog topics.
      if (!this.multiInstance && this.backend.claim) {
        const abandon = new AbortController();
        void stopRequested.then(() => abandon.abort(new StopBeforeStart()));
        claiming = this.backend.claim(applicationId, {
          signal: abandon.signal,
          onWait: ({ holder, where, waitMs }) => this.logger.warn('the local state is held by another process: waiting for it to let it go', { holder, where, waitMs }),
        });
        releaseState = await unlessStopped(claiming, stopRequested, (late) => late());
      }
      clients = await unlessStopped(connectProducers(this.topology, this.options, this.logger), stopRequested, closeProducers);
      consumer = createRuntimeConsumer({
        connection,
        applicationId,
        autoOffsetReset: this.options.autoOffsetReset ?? 'earliest',
        logger: this.logger,
        closing: () => this.closing,
        onRebalance: (event) => this.rebalances.push(event),
      });
      // Emitted in the order of the stream, before the batch that holds the records before it is handed over.
      consumer.on('partition.eof', (end) => this.ends.push(end));
      const connecting = consumer;
      const consumerId = String(runtimeConsumerConfig(connection, applicationId)['client.id']);
      await unlessStopped(connectClient(consumer, { client: consumerId, brokers: connection.brokers, timeoutMs: 30_000, logger: this.logger }), stopRequested, () => rd.disconnect(connecting));
      consumerConnected = true;
      const topics = await unlessStopped(prepareTopics(consumer, this.topology, this.options, this.partitionCounts), stopRequested, async () => undefined);
      consumer.subscribe(topics);
    } catch (error) {
      // A missing source topic, an unreachable broker, a stop: nothing ran, so nothing to commit.
      // Leave no client connected (a producer would go on polling) and let a later start() try again.
      // (A client still connecting is left to unlessStopped: node-rdkafka refuses to disconnect it.)
      if (consumer && (consumerConnected || !(error instanceof StopBeforeStart))) await rd.disconnect(consumer).catch(() => undefined);
      await closeProducers(clients);
      // Settled first (a stop aborts its wait), and released if it was taken: a start tried
      // again must find the state free.
      await claiming?.then((release) => release(), () => undefined).catch(() => undefined);
      this.status = 'stopped';
      if (error instanceof StopBeforeStart) {
        this.logger.info('stopped before kafka was reached: nothing was read', { brokers: connection.brokers });
        return;
      }
      throw error;
    }
    this.releaseState = releaseState;
    this.producer = clients.producer;
    this.stateProducer = clients.stateProducer;
    if (clients.backend) this.backend = clients.backend;
    this.consumer = consumer;
    this.status = 'rebalancing';
    this.loopDone = this.loop();
    this.loopDone.catch(() => undefined);
    this.logger.info('kafka streams started', {
      guarantee: this.exactlyOnce ? 'exactly_once' : 'at_least_once',
      topics: this.topology.sources.map((s) => s.topic),
      stateBackend: this.backend.kind,
    });
  }

  /** Resolves when the runtime has stopped; rejects with the error that stopped it. */
  get done(): Promise<void> {
    return this.loopDone ?? Promise.resolve();
  }

  /** Stops after the current batch: commits what was processed, closes sinks, leaves the group. */
  async stop(): Promise<void> {
    if (this.status === 'stopped' || this.status === 'failed') return;
    this.stopping = true;
    this.stopStart?.();
    await this.starting?.catch(() => undefined);
    await this.loopDone?.catch(() => undefined);
  }

  metrics(): KafkaStreamsMetrics {
    const engine = this.engine;
    const current = engine?.metrics();
    const base = current ? addCounters(this.retired, current) : this.retired;
    const lag: Record<string, number> = {};
    if (this.consumer && engine) {
      for (const { topic, partition } of this.assigned) {
        const id = partitionId(topic, partition);
        try {
          const { highOffset } = this.consumer.getWatermarkOffsets(topic, partition);
          const position = engine.position(topic, partition);
          if (highOffset >= 0 && position !== undefined) lag[id] = Math.max(0, highOffset - position);
        } catch {
          // no watermark known yet for this partition
        }
      }
    }
    return {
      ...base,
      state: this.status,
      lag,
      assigned: this.assigned.map((tp) => partitionId(tp.topic, tp.partition)),
      rebalances: this.rebalanceCount,
    };
  }

  /** Assignments applied (see `KafkaStreamsMetrics.rebalances`). */
  private rebalanceCount = 0;

  /** Counters of the engines closed by rebalances: the runtime's totals outlive them. */
  private retired: EngineMetrics = emptyMetrics();

  private async closeEngine(): Promise<void> {
    const engine = this.engine;
    if (engine === undefined) return;
    this.engine = undefined;
    this.retired = retire(this.retired, engine.metrics());
    await engine.close();
  }

  private async loop(): Promise<void> {
    const consumer = this.consumer!;
    const batchSize = this.options.batchSize ?? DEFAULT_BATCH_SIZE;
    const maxBuffered = this.options.maxBufferedRecords ?? 200_000;
    const readBatch = batchReader(consumer, 100);
    try {
      while (!this.stopping) {
        this.commits.throwIfFailed();
        await this.applyRebalances();
        const messages = await readBatch(batchSize).catch((error: Error & { code?: number }) => {
          // A topic that is still being created (or a leader moving) is transient: try again.
          if (error.code === CODES.ERRORS.ERR_UNKNOWN_TOPIC_OR_PART || error.code === CODES.ERRORS.ERR__UNKNOWN_PARTITION || error.code === CODES.ERRORS.ERR__TRANSPORT) {
            this.logger.warn('consume failed, retrying', { error: error.message });
            return new Promise<[]>((resolve) => setTimeout(() => resolve([]), 200));
          }
          if (error.code === CODES.ERRORS.ERR__MAX_POLL_EXCEEDED) {
            // The loop read nothing for max.poll.interval.ms: a commit waited that long for a sink
            // (a table locked by another session, a database retried for minutes). The group gave
            // the partitions away; the next consume rejoins it, and the revoke that follows releases
            // them without committing (see releaseLost). Stopping would turn a slow sink into a
            // stopped app; Kafka Streams rejoins too.
            // Only an engine that runs can be dropped with its partitions: one already closed (a
            // revoke's commit waited that long) leaves nothing to release.
            this.droppedByGroup = this.engine !== undefined;
            this.logger.warn('the group dropped this instance: nothing was read for max.poll.interval.ms (most likely a commit waiting for a sink); rejoining', { error: error.message });
            return [];
          }
          throw error;
        });
        const ends = this.ends.splice(0);
        const engine = this.engine;
        if (engine === undefined) continue;
        if (messages.length > 0) {
          await processInSlices(messages, (slice) => engine.process(slice.map(toRaw)));
        }
        for (const end of ends) engine.skipTo(end.topic, end.partition, end.offset);
        this.markCaughtUp(engine);
        engine.tick();
        await this.commits.afterBatch(engine, engine.bufferedRecords() >= maxBuffered);
      }
      this.status = 'stopping';
      if (this.engine && this.droppedByGroup) {
        // Stopped after the group dropped this instance and before the revoke that follows: its
        // offsets can no longer be committed, so the partitions are released as lost.
        await this.releaseLost(this.assigned.map((p) => partitionId(p.topic, p.partition)));
      } else if (this.engine) {
        await this.commits.commitAndWait(this.engine);
        await this.closeEngine();
      }
      await this.shutdown();
      this.status = 'stopped';
      this.logger.info('kafka streams stopped cleanly');
    } catch (error) {
      this.status = 'failed';
      this.logger.error('kafka streams failed: stopping without committing', { error: (error as Error).message, stack: (error as Error).stack });
      await this.commits.abandon();
      await this.engine?.close().catch(() => undefined);
      if (this.exactlyOnce) await this.producer?.abortTransaction().catch(() => undefined);
      await this.shutdown().catch(() => undefined);
      throw error;
    }
  }

  private async shutdown(): Promise<void> {
    this.closing = true;
    try {
      if (this.consumer) {
        try {
          this.consumer.unsubscribe();
        } catch {
          // not subscribed or not connected
        }
        await rd.disconnect(this.consumer);
      }
      await this.backend.close();
    } finally {
      // After the last state write (the engine is closed, commits settled), whatever failed here.
      await this.releaseState?.();
    }
    if (this.producer) await this.producer.close();
    if (this.stateProducer) await this.stateProducer.close();
  }

  private async applyRebalances(): Promise<void> {
    while (this.rebalances.length > 0) {
      const event = this.rebalances.shift()!;
      if (event.kind === 'revoke') {
        this.status = 'rebalancing';
        const partitions = event.partitions.map((p) => partitionId(p.topic, p.partition));
        if (this.engine && this.droppedByGroup) {
          await this.releaseLost(partitions);
        } else if (this.engine) {
          await this.commits.commitAndWait(this.engine);
          await this.closeEngine();
          this.logger.info('partitions revoked: committed and released', { partitions });
        }
        this.droppedByGroup = false;
        this.consumer!.unassign();
        this.assigned = [];
      } else {
        this.rebalanceCount++;
        this.status = (await this.assign(event.partitions)) ? 'running' : 'rebalancing';
      }
    }
  }

  /**
   * Revoked after the group dropped this instance: nothing more is committed for the partitions.
   * The commit in flight (the one that waited) still completes, and the sinks are closed as at a
   * stop; what was processed after that commit is dropped, and read again from it when the
   * partitions come back. Unlike Kafka Streams, which closes lost tasks dirty (no flush, no
   * checkpoint), this is safe only where nobody else has taken the partitions meanwhile: always
   * with one instance; with several, see the Kafka README.
   */
  private async releaseLost(partitions: readonly string[]): Promise<void> {
    await this.commits.settle();
    if (this.exactlyOnce) await this.producer!.abortTransaction();
    await this.closeEngine();
    this.logger.warn('partitions lost: released without committing; they resume from the last commit', { partitions });
  }

  /** Returns false when this instance waits for the group instead (see below). */
  private async assign(partitions: TopicPartition[]): Promise<boolean> {
    const consumer = this.consumer!;
    const { applicationId } = this.topology;
    const partitionCounts = this.partitionCounts;
    const problem = this.multiInstance ? undefined : partialAssignmentProblem(this.topology, partitionCounts, partitions);
    if (problem !== undefined) {
      // The instance that ran with every partition keeps its state and waits, reading nothing,
      // until the group gives them all back: the newcomer refuses (it never had them) and leaves.
      if (!this.hadEveryPartition) throw new Error(problem);
      this.logger.error(`${problem} This instance waits, reading nothing, until it is given every partition again.`, { given: partitions.length, of: sourcePartitionCount(this.topology, partitionCounts) });
      // An assignment of nothing answers the rebalance: librdkafka starts no other until it is answered.
      consumer.assign([]);
      this.assigned = [];
      return false;
    }
    const group = await groupOffsets(consumer, partitions, {
      logger: this.logger,
      ...(this.exactlyOnce ? { waitMs: OPEN_TRANSACTION_WAIT_MS, stopped: () => this.stopping } : {}),
    });
    if (this.exactlyOnce) await resolvePreparedCommit({ backend: this.backend, applicationId, instance: this.instance, markerKey: this.markerKey, connection: this.options.connection, logger: this.logger });

    const engine = new Engine({
      topology: this.topology,
      backend: this.backend,
      clock: this.clock,
      logger: this.logger,
      idleTimeoutMs: parseDuration(this.options.idleTimeout ?? '30s', 'idleTimeout'),
      openSink: (sink, nodeName) => this.openSink(sink, nodeName),
      ...(this.multiInstance
        ? {
            repartition: {
              send: (topic: string, partition: number, key: Buffer | null, value: Buffer) => this.producer!.send(topic, key, value, undefined, undefined, partition),
              flush: () => this.producer!.flush(),
            },
          }
        : {}),
    });
    let positions: PartitionOffset[];
    try {
      const checkpoints = await engine.start({ partitions: partitions.map((p) => ({ topic: p.topic, partition: p.partition })), partitionCounts });
      positions = await resumePositions({
        consumer,
        partitions,
        checkpoints,
        groupOffsets: group,
        stateful: this.topology.subtopologies.some((s) => s.stores.length > 0),
        autoOffsetReset: this.options.autoOffsetReset ?? 'earliest',
        sourceTopics: new Set(this.topology.sources.map((s) => s.topic)),
        logger: this.logger,
      });
      await engine.resumeFrom(positions);
    } catch (error) {
      // The sinks it opened are closed, or their clients (pools, sink threads) would keep the process alive.
      await engine.close().catch(() => undefined);
      throw error;
    }
    consumer.assign(positions.map((p) => ({ ...p })));
    // A revoke's commit already began the next transaction.
    if (this.exactlyOnce && !this.producer!.inTransaction) await this.producer!.beginTransaction();
    this.engine = engine;
    this.droppedByGroup = false; // a drop concerned the partitions of an engine that is gone
    this.assigned = partitions;
    if (sourcePartitionsIn(this.topology, partitions) === sourcePartitionCount(this.topology, partitionCounts)) this.hadEveryPartition = true;
    this.commits.restartInterval();
    this.logger.info('partitions assigned', { positions: positions.map((p) => `${partitionId(p.topic, p.partition)}@${p.offset}`) });
    return true;
  }

  private async openSink(sink: Sink<never>, nodeName: string): Promise<SinkWriter<unknown>> {
    const context: KafkaSinkContext | { applicationId: string; nodeName: string; logger: Logger } = this.producer
      ? { applicationId: this.topology.applicationId, nodeName, logger: this.logger.child({ component: 'sink', sink: nodeName }), kafkaProducer: this.producer }
      : { applicationId: this.topology.applicationId, nodeName, logger: this.logger.child({ component: 'sink', sink: nodeName }) };
    return (await sink.open(context)) as SinkWriter<unknown>;
  }

  /** A partition is caught up when its position has reached the high watermark librdkafka last saw. */
  private markCaughtUp(engine: Engine): void {
    for (const { topic, partition } of this.assigned) {
      try {
        const { highOffset } = this.consumer!.getWatermarkOffsets(topic, partition);
        const position = engine.position(topic, partition);
        engine.setCaughtUp(topic, partition, highOffset >= 0 && position !== undefined && position >= highOffset);
      } catch {
        engine.setCaughtUp(topic, partition, false);
      }
    }
  }
}

