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
    sessionTimeoutMs: config.sessionTimeoutMs,
    ...(config.sessionStore === 'sqlite' ? { sessionStore: sqliteStores({ dir: join(config.stateDir, 'spill'), cacheEntries: config.sessionCacheUsers }) } : {}),
  };
}
