import { parseDuration } from '@pipeline/streams';
import { ConfigError, loadConfig, loadDotEnv } from '../config';
import { formatResult, summary } from './report';
import { verify } from './verify';

/**
 * `pnpm verify` (or `pnpm --filter activity-pipeline verify`): checks that everything the activity
 * pipeline needs is there, and that an event travels through the running pipeline to every sink.
 * Reads the same environment (and `.env`) as the app. Exit code 0: all passed; 1: something
 * failed or could not be checked; 2: the configuration is invalid.
 * Options: `--timeout <duration>` for the probe (default 30s).
 */
async function main(argv: readonly string[]): Promise<number> {
  loadDotEnv();
  let config;
  let timeoutMs;
  try {
    config = loadConfig(process.env);
    const i = argv.indexOf('--timeout');
    timeoutMs = i >= 0 ? parseDuration(argv[i + 1] ?? '', '--timeout') : 30_000;
  } catch (error) {
    if (error instanceof ConfigError || error instanceof RangeError) {
      console.error(`verify: ${error.message}`);
      return 2;
    }
    throw error;
  }
  console.log(`activity-pipeline verify: brokers ${config.kafkaBrokers}, application ${config.applicationId}, lake ${config.lakeDir}`);
  const results = await verify(config, { timeoutMs, onResult: (r) => console.log(formatResult(r)), progress: (line) => console.log(`        ${line}`) });
  const { ok, line } = summary(results);
  console.log(line);
  return ok ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
