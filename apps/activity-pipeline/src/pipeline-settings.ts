import { hostname } from 'node:os';
import { join } from 'node:path';
import { sqliteStores } from '@pipeline/streams/sqlite';
import type { Config } from './config';
import type { PipelineSettings } from './topology';

/** The topology's settings from the app's configuration: the one place main.ts and the benchmark take them from. */
export function pipelineSettings(config: Config): PipelineSettings {
  return {
    applicationId: config.applicationId,
    inputTopic: config.inputTopic,
    watermarkDelayMs: config.watermarkDelayMs,
    processingErrors: config.processingErrors,
    ...(config.maxTimeAheadMs !== undefined ? { maxTimeAheadMs: config.maxTimeAheadMs } : {}),
    sessionTimeoutMs: config.sessionTimeoutMs,
    ...(config.sessionStore === 'sqlite' ? { sessionStore: sqliteStores({ dir: spillDir(config), cacheEntries: config.sessionCacheUsers }) } : {}),
  };
}

/**
 * The SQLite spill files' directory: `<STATE_DIR>/spill/<INSTANCE_ID, else the host name>`, one per
 * instance. Replicas can share STATE_DIR (docker compose scale: one volume at /data/state), and a
 * spill file is named by its process id, which containers often share (1), while opening a spill
 * file deletes the others of the directory whose process id is not running here: in one shared
 * directory, one replica would delete or open another's live file.
 */
export function spillDir(config: Pick<Config, 'stateDir' | 'instanceId'>, host: string = hostname()): string {
  const instance = config.instanceId ?? host;
  // INSTANCE_ID may be '.' or '..' (letters, digits, . _ -): not a directory of its own.
  return join(config.stateDir, 'spill', /^\.+$/.test(instance) ? instance.replaceAll('.', '_') : instance);
}
