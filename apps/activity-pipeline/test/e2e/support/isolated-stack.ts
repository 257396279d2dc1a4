import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brokers, createTopics, deleteTopics, uniqueName } from './kafka';
import { createScratchDatabase, type ScratchDatabase } from '@pipeline/stack/scratch-database';

/** Everything one run of the app needs, new and its own: topics, database, lake, state, application id. */
export interface IsolatedStack {
  readonly input: string;
  readonly enriched: string;
  readonly deadLetter: string;
  readonly applicationId: string;
  readonly db: ScratchDatabase;
  readonly lakeDir: string;
  readonly stateDir: string;
  /** The app's environment: every variable of config.ts, so no default (or `.env`) decides anything. */
  readonly env: Record<string, string>;
  remove(): Promise<void>;
}

/** Creates the stack; `settings` override the variables (durations, guarantee, port…). */
export async function isolatedStack(settings: Record<string, string> = {}, inputPartitions = 3): Promise<IsolatedStack> {
  const input = uniqueName('e2e-user-activity');
  const enriched = uniqueName('e2e-enriched');
  const deadLetter = uniqueName('e2e-dlq');
  const applicationId = uniqueName('e2e-activity-pipeline');
  const [lakeDir, stateDir] = await Promise.all([mkdtemp(join(tmpdir(), 'e2e-lake-')), mkdtemp(join(tmpdir(), 'e2e-state-'))]);
  const [db] = await Promise.all([
    createScratchDatabase('pipeline_e2e'),
    createTopics([
      { name: input, partitions: inputPartitions },
      { name: enriched, partitions: 3 },
      { name: deadLetter, partitions: 1 },
    ]),
  ]);
  const env: Record<string, string> = {
    KAFKA_BROKERS: brokers,
    APPLICATION_ID: applicationId,
    INPUT_TOPIC: input,
    ENRICHED_TOPIC: enriched,
    DEAD_LETTER_TOPIC: deadLetter,
    DATABASE_URL: db.url,
    LAKE_DIR: lakeDir,
    STATE_DIR: stateDir,
    WATERMARK_DELAY: '2m',
    MAX_TIME_AHEAD: '10m',
    SESSION_TIMEOUT: '30m',
    // Idleness is wall-clock: a partition read to its end before the others could otherwise
    // follow their event time, and results would depend on timing. A run is far shorter.
    IDLE_PARTITION_TIMEOUT: '10m',
    COMMIT_INTERVAL: '200ms',
    PROCESSING_GUARANTEE: 'at_least_once',
    AUTO_OFFSET_RESET: 'earliest',
    HTTP_PORT: '0',
    STATUS_INTERVAL: '1s',
    LOG_LEVEL: 'info',
    LOG_FORMAT: 'json',
    ...settings,
  };
  return {
    input,
    enriched,
    deadLetter,
    applicationId,
    db,
    lakeDir,
    stateDir,
    env,
    async remove() {
      await Promise.allSettled([db.drop(), deleteTopics([input, enriched, deadLetter]), rm(lakeDir, { recursive: true, force: true }), rm(stateDir, { recursive: true, force: true })]);
    },
  };
}
