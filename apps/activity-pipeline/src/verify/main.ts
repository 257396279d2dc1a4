import { Command, InvalidArgumentError, Option } from 'commander';
import { userArgs } from '../cli-args';
import { commandConfig } from '../command-config';
import { settingsHelp } from '../config';
import { durationWithUnit } from '../duration';
import { formatResult, summary } from './report';
import { verify } from './verify';

/**
 * `pnpm verify` (or `pnpm --filter activity-pipeline verify`): checks that everything the activity
 * pipeline needs is there, and that an event travels through the running pipeline to every sink.
 * Reads the same environment (and `.env`) as the app. Exit code 0: all passed; 1: something
 * failed or could not be checked; 2: the configuration is invalid.
 */
async function main(argv: readonly string[]): Promise<number> {
  const options = new Command('verify')
    .description(
      'Pre-flight check of the activity pipeline: broker reachable, topics there, database and tables there, lake directory writable, and one probe event through the running pipeline to every sink. Exit code 0: all passed; 1: something failed or could not be checked; 2: the configuration is invalid.',
    )
    .addOption(
      new Option('--timeout <duration>', 'how long to wait for the probe to reach every sink, e.g. 30s or 2m')
        // Read while parsing the arguments, so a wrong --timeout is a usage error before the settings are read.
        .argParser((value) => {
          try {
            return durationWithUnit(value, '--timeout');
          } catch (error) {
            throw new InvalidArgumentError((error as Error).message);
          }
        })
        .default(30_000, '30s'),
    )
    .addHelpText('after', `\nIt reads the pipeline's settings:\n${settingsHelp()}`)
    .showHelpAfterError()
    // A usage error is exit code 2, as an invalid setting is (1 means a check failed).
    .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2))
    .parse(argv, { from: 'user' })
    .opts<{ timeout: number }>();
  const timeoutMs = options.timeout;
  const config = commandConfig('verify');
  if (config === undefined) return 2;
  console.log(`activity-pipeline verify: brokers ${config.kafkaBrokers}, application ${config.applicationId}, lake ${config.lakeDir}`);
  const results = await verify(config, { timeoutMs, onResult: (r) => console.log(formatResult(r)), progress: (line) => console.log(`        ${line}`) });
  const { ok, line } = summary(results);
  console.log(line);
  return ok ? 0 : 1;
}

main(userArgs()).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
