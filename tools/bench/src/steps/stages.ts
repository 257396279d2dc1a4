import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { silentLogger, type EngineMetrics, type StreamsApp } from '@pipeline/streams';
import { KafkaProducer } from '@pipeline/streams/kafka';
import { createPostgresDb } from '@pipeline/streams/postgres';
import type { Database } from 'activity-pipeline/db';
import { productionSinks } from 'activity-pipeline/sinks';
import { collectGarbage } from '../collect-garbage';
import type { Dataset } from '../dataset';
import { startEngineAlone } from '../engine-alone';
import { BROKERS } from '../infra/kafka';
import type { PipelineTargets } from '../infra/scratch';
import { timedSink, type TimedSink } from '../infra/timed-sink';
import { pipelineConfig } from '../pipeline';
import { startProgress } from '../progress';
import { medianRun, msSince, perSecond } from '../stats';
import { activeUsersOnly, decodeOnly, enrichedOnly, pageViewsOnly, sessionsOnly, wholeTopology } from '../topologies';

/** Records per `engine.process` call: the Kafka runtime's default batch size. */
export const BATCH_SIZE = 5_000;
/** Records between commits: about a second of the full pipeline here (the runtime commits every 250 ms by time; kept at 50,000 so stage figures stay comparable across runs). */
export const COMMIT_EVERY = 50_000;
/** Records of the whole topology run, unmeasured, before the stages. */
export const WARM_UP = 50_000;
/**
 * Passes of each stage, in rounds (every stage once, then every stage again…); a stage's figure is
 * its median pass. This machine's speed drifts by ±20 % within minutes: with one pass each, a
 * stage measured in a slow minute could cost less than the decoding it includes.
 */
export const STAGE_ROUNDS = 3;

export interface StageFigure {
  readonly name: string;
  readonly what: string;
  readonly records: number;
  /** Milliseconds measured: the engine's work for a stage; the sink's own calls for a sink. */
  readonly ms: number;
  readonly rate: number;
  readonly usPerEvent: number;
  /** Rows (or records) the sink wrote. */
  readonly rows?: number;
  readonly rowsPerSecond?: number;
  /** For a stage: the milliseconds of each of its passes, in the order they ran (`ms` is their median). */
  readonly passesMs?: readonly number[];
  /** For a sink pass: the whole engine's time (topology part + sink). */
  readonly engineMs?: number;
  readonly commits: number;
  readonly late?: Record<string, number>;
  readonly deadLettered?: number;
}

export interface StagesResult {
  readonly batchSize: number;
  readonly commitEvery: number;
  readonly stages: StageFigure[];
  readonly sinks: StageFigure[];
  /** The whole topology plus every sink, one after the other on one thread: µs per event and the rate it implies. */
  readonly serialEstimate: { readonly usPerEvent: number; readonly rate: number };
}

interface EngineRun {
  readonly ms: number;
  readonly commits: number;
  readonly metrics: EngineMetrics;
}

/**
 * Runs a topology over the dataset through the Engine, with a memory state backend and no Kafka:
 * batches of BATCH_SIZE raw records, a commit every COMMIT_EVERY. Only the engine's calls are
 * timed, not making the batches.
 */
async function runEngine(
  app: StreamsApp,
  dataset: Dataset,
  topic: string,
  label: string,
  options: { context?: Record<string, unknown>; limit?: number } = {},
): Promise<EngineRun> {
  const count = Math.min(dataset.count, options.limit ?? dataset.count);
  const context = options.context ?? {};
  const engine = await startEngineAlone(app, dataset, topic, { idleTimeoutMs: 30_000, context });
  for (let partition = 0; partition < dataset.partitions; partition++) engine.setCaughtUp(topic, partition, false);
  let ms = 0;
  let done = 0;
  let commits = 0;
  let sinceCommit = 0;
  const progress = startProgress({ label, read: () => done, total: count });
  try {
    for (let from = 0; from < count; from += BATCH_SIZE) {
      const to = Math.min(count, from + BATCH_SIZE);
      const batch = dataset.rawBatch(topic, from, to);
      const start = process.hrtime.bigint();
      engine.process(batch);
      engine.tick();
      sinceCommit += batch.length;
      if (sinceCommit >= COMMIT_EVERY || to === count) {
        const info = await engine.commit();
        await engine.committed(info);
        commits++;
        sinceCommit = 0;
      }
      ms += msSince(start);
      done = to;
      // Let timers (the progress display) run; a commit of null sinks never leaves the microtask queue.
      if ((from / BATCH_SIZE) % 10 === 0) await yieldToLoop();
    }
    const start = process.hrtime.bigint();
    await engine.close();
    ms += msSince(start);
  } finally {
    progress.stop();
  }
  return { ms, commits, metrics: engine.metrics() };
}

function figure(name: string, what: string, records: number, ms: number, commits: number, extra: Partial<StageFigure> = {}): StageFigure {
  return { name, what, records, ms, rate: perSecond(records, ms), usPerEvent: (ms * 1000) / records, commits, ...extra };
}

/**
 * Where the time goes: each part of the pipeline alone on the same records held in memory.
 * Stages run the topology part with null sinks; sink passes run the part that feeds a real sink
 * and count only the time spent in that sink's writer.
 */
export async function stages(dataset: Dataset, targets: PipelineTargets): Promise<StagesResult> {
  const topic = targets.inputTopic;
  const n = dataset.count;
  const out: StageFigure[] = [];
  // Warm-up, not measured: the first stage would otherwise pay for compiling the hot code.
  await runEngine(wholeTopology(topic), dataset, topic, 'warm-up', { limit: WARM_UP });
  const stageList: ReadonlyArray<{ name: string; what: string; app: () => StreamsApp }> = [
    { name: 'decode + validate', what: 'JSON.parse, TypeBox check, key, event time; source → null sink', app: () => decodeOnly(topic) },
    { name: 'page views', what: 'decode + filter, groupBy page, tumbling 1m count', app: () => pageViewsOnly(topic) },
    { name: 'active users', what: 'decode + hopping 5m/1m countDistinct(user)', app: () => activeUsersOnly(topic) },
    { name: 'sessions', what: 'decode + keyed processor with event-time timers', app: () => sessionsOnly(topic) },
    { name: 'whole topology', what: 'activityPipeline() with every sink a null sink', app: () => wholeTopology(topic) },
  ];
  const passes = stageList.map(() => [] as EngineRun[]);
  for (let round = 1; round <= STAGE_ROUNDS; round++) {
    for (const [i, stage] of stageList.entries()) {
      collectGarbage();
      passes[i]!.push(await runEngine(stage.app(), dataset, topic, `stage ${stage.name} (${round}/${STAGE_ROUNDS})`));
    }
  }
  for (const [i, stage] of stageList.entries()) {
    const runs = passes[i]!;
    const median = medianRun(runs);
    out.push(
      figure(stage.name, stage.what, n, median.ms, median.commits, {
        passesMs: runs.map((r) => r.ms),
        late: median.metrics.late,
        deadLettered: median.metrics.deadLettered,
      }),
    );
  }

  const config = pipelineConfig(targets);
  const db = createPostgresDb<Database>(config.databaseUrl, { max: 4, applicationName: 'bench-stages' });
  const producer = await KafkaProducer.connect({ connection: { brokers: BROKERS }, clientId: 'bench-stages', logger: silentLogger });
  const sinks: StageFigure[] = [];
  try {
    // Each sink's own cost, on the thread that runs it (no sink thread): in the pipeline the lake
    // and user_sessions run in a sink thread (SINK_THREADS), where this same work is done on another core.
    const real = productionSinks(config, db, undefined);
    const sinkPass = async (name: string, what: string, sink: Pick<TimedSink<never>, 'ms' | 'records'>, app: StreamsApp) => {
      collectGarbage();
      const run = await runEngine(app, dataset, topic, `sink ${name}`, { context: { kafkaProducer: producer } });
      sinks.push(figure(name, what, n, sink.ms, run.commits, { rows: sink.records, rowsPerSecond: perSecond(sink.records, sink.ms), engineMs: run.ms }));
    };
    const pageViews = timedSink(real.pageViews);
    await sinkPass('postgres page_view_counts', 'upserts of the page-view rows each commit emits', pageViews, pageViewsOnly(topic, pageViews));
    const activeUsers = timedSink(real.activeUsers);
    await sinkPass('postgres active_users', 'upserts of the active-user rows each commit emits', activeUsers, activeUsersOnly(topic, activeUsers));
    const sessions = timedSink(real.sessions);
    await sinkPass('postgres user_sessions', 'upserts of the session rows each commit emits', sessions, sessionsOnly(topic, sessions));
    const lake = timedSink(real.lake);
    await sinkPass('parquet lake', 'every valid event into Parquet (staging, rolls of 100k rows, close)', lake, decodeOnly(topic, lake));
    const enriched = timedSink(real.enriched);
    await sinkPass('kafka enriched', 'every valid event to the enriched topic, deliveries awaited', enriched, enrichedOnly(topic, enriched));
  } finally {
    await producer.close().catch(() => undefined);
    await db.destroy();
  }

  const whole = out.find((s) => s.name === 'whole topology')!;
  const us = whole.usPerEvent + sinks.reduce((sum, s) => sum + s.usPerEvent, 0);
  return { batchSize: BATCH_SIZE, commitEvery: COMMIT_EVERY, stages: out, sinks, serialEstimate: { usPerEvent: us, rate: 1e6 / us } };
}
