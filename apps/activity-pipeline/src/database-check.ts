import { waitForDatabase } from '@pipeline/streams/postgres';
import type { Logger } from '@pipeline/streams';
import { ConfigError } from './config';
import { redactedUrl } from './redacted-url';

/**
 * Waits until DATABASE_URL answers, through the transient failures a sink's open would also
 * wait through (a server still starting: 11 to 23 s of tries); throws a {@link ConfigError}
 * naming DATABASE_URL, the URL without its password and the reason (refused, unknown host, no
 * such database, bad credentials, timeout) when it cannot. Without it, the start went on and only
 * the postgres sinks' open failed later, naming a sink and an address but not the setting.
 */
export async function checkDatabase(databaseUrl: string, options: { applicationName?: string; logger?: Logger } = {}): Promise<void> {
  try {
    await waitForDatabase(databaseUrl, options);
  } catch (error) {
    throw new ConfigError([`DATABASE_URL must be a PostgreSQL database this host can connect to, got '${redactedUrl(databaseUrl)}' (${(error as Error).message})`]);
  }
}
