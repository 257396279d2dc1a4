import { createLogger, localBackend, type Logger, type SinkThread } from '@pipeline/streams';
import { KafkaStreams } from '@pipeline/streams/kafka';
import { createPostgresDb } from '@pipeline/streams/postgres';
import { loadConfig, type Config } from 'activity-pipeline/config';
import type { Database } from 'activity-pipeline/db';
import { pipelineSinkThread, productionSinks } from 'activity-pipeline/sinks';
import { pipelineSettings } from 'activity-pipeline/pipeline-settings';
import { activityPipeline } from 'activity-pipeline/topology';
import { decodeToEnriched } from './topologies';
import { BROKERS } from './infra/kafka';
import type { PipelineTargets } from './infra/scratch';

/**
 * The activity pipeline's configuration for these targets, through its own `loadConfig`, so every
 * other setting (watermark 2m, session timeout 30m, commit interval 250ms, at-least-once…) is the
 * app's default.
 */
export function pipelineConfig(t: PipelineTargets): Config {
  return loadConfig({
    KAFKA_BROKERS: BROKERS,
    APPLICATION_ID: t.applicationId,
    INPUT_TOPIC: t.inputTopic,
    ENRICHED_TOPIC: t.enrichedTopic,
    DEAD_LETTER_TOPIC: t.deadLetterTopic,
    DATABASE_URL: t.databaseUrl,
    LAKE_DIR: t.lakeDir,
    STATE_DIR: t.stateDir,
    LOG_LEVEL: 'warn',
    LOG_FORMAT: 'json',
    ...appSettingsFromEnvironment(),
  });
}

/**
 * The app's settings a bench run may change, to see what they buy (`COMMIT_INTERVAL=250ms pnpm bench`,
 * `SESSION_STORE=memory pnpm bench --only memory`); the others are the app's defaults.
 */
const SETTINGS_FROM_ENVIRONMENT = ['COMMIT_INTERVAL', 'SESSION_STORE', 'SESSION_CACHE_USERS', 'SINK_THREADS'] as const;

/** Those of SETTINGS_FROM_ENVIRONMENT that this process's environment sets. */
export function appSettingsFromEnvironment(): Record<string, string> {
  return Object.fromEntries(SETTINGS_FROM_ENVIRONMENT.flatMap((name) => (process.env[name] ? [[name, process.env[name]!]] : [])));
}

/** A running activity pipeline, as apps/activity-pipeline/src/main.ts runs it. */
export interface RunningPipeline {
  readonly runtime: KafkaStreams;
  readonly config: Config;
  /** The thread of the lake and user_sessions sinks (SINK_THREADS=on, the default). */
  readonly sinkThread: SinkThread | undefined;
  /** Final flush and commit, leaves the group, closes the database pool. */
  stop(): Promise<void>;
}

export function benchLogger(applicationId: string): Logger {
  return createLogger({ level: 'warn', format: 'json', fields: { app: applicationId } });
}

/**
 * What a run starts: the whole activity pipeline, or its floor, only what every event costs it at
 * least (decode → enriched topic, `decodeToEnriched`), with the same runtime settings and the same
 * enriched and dead-letter sinks.
 */
export type PipelineShape = 'whole' | 'decode-to-enriched';

export async function startPipeline(
  targets: PipelineTargets,
  options: { readonly logger?: Logger; readonly shape?: PipelineShape } = {},
): Promise<RunningPipeline> {
  const { logger = benchLogger(targets.applicationId), shape = 'whole' } = options;
  const config = pipelineConfig(targets);
  // pg connects on the first query: the decode-to-enriched shape never opens a connection.
  const db = createPostgresDb<Database>(config.databaseUrl, { max: 4, applicationName: config.applicationId, logger });
  const sinkThread = shape === 'whole' ? pipelineSinkThread(config) : undefined;
  const sinks = productionSinks(config, db, sinkThread);
  const app = shape === 'whole' ? activityPipeline(pipelineSettings(config), sinks) : decodeToEnriched(pipelineSettings(config), sinks);
  const runtime = new KafkaStreams(app, {
    connection: { brokers: config.kafkaBrokers },
    processingGuarantee: config.processingGuarantee,
    stateBackend: localBackend({ dir: config.stateDir }),
    commitInterval: config.commitIntervalMs,
    idleTimeout: config.idlePartitionTimeoutMs,
    autoOffsetReset: config.autoOffsetReset,
    logger,
  });
  try {
    await runtime.start();
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return {
    runtime,
    config,
    sinkThread,
    async stop() {
      try {
        await runtime.stop();
        await runtime.done;
      } finally {
        await db.destroy();
      }
    },
  };
}

/** Resolves once the runtime has read `expected` records; polls every `pollMs`, and calls `onFirst` at the first record. */
export async function waitForRecords(
  runtime: KafkaStreams,
  expected: number,
  options: { pollMs?: number; timeoutMs?: number; onFirst?: () => void } = {},
): Promise<void> {
  // Every poll reads the runtime's metrics on the pipeline's own thread: at 20 ms it cost ~1 % of that thread.
  const pollMs = options.pollMs ?? 100;
  const deadline = Date.now() + (options.timeoutMs ?? 60 * 60_000);
  let first = false;
  for (;;) {
    const m = runtime.metrics();
    if (m.state === 'failed') throw new Error('the pipeline failed (see its log above)');
    if (!first && m.recordsIn > 0) {
      first = true;
      options.onFirst?.();
    }
    if (m.recordsIn >= expected) return;
    if (Date.now() > deadline) throw new Error(`the pipeline read ${m.recordsIn} of ${expected} records before the timeout`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
