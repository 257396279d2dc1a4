import { replayDeadLetters, type ReplayedLetter } from '@pipeline/streams/kafka';
import { Command, InvalidArgumentError, Option } from 'commander';
import { userArgs } from '../cli-args';
import { ConfigError, loadConfig, loadDotEnv, settingsHelp } from '../config';

/**
 * `pnpm --filter activity-pipeline replay-dead-letters`: sends the records of DEAD_LETTER_TOPIC
 * back to the topic and partition they were read from, once what sent them there is fixed (the
 * pipeline's code, or the producer's data). Reads the same environment (and `.env`) as the app.
 * Exit code 0: done (or, with --dry-run, listed); 1: it failed; 2: a usage or configuration error.
 */
async function main(argv: readonly string[]): Promise<number> {
  const options = new Command('replay-dead-letters')
    .description(
      "Sends dead letters back where they were read from (INPUT_TOPIC, to the same partition), as they were: key, bytes, timestamp and headers, with their dlq.* history, so that one refused again says why each time. Letters made by a stateful operator (offset -1), read from a repartition topic, or truncated to fit the dead-letter topic are not sent, and are counted. Sending them twice sends them twice: list them with --dry-run first.",
    )
    .addOption(
      new Option('--reason <regex>', "only the letters whose reason matches, e.g. \"^processing failed in map 'enrich'\" or '^schema:'").argParser((value) => {
        try {
          return new RegExp(value);
        } catch (error) {
          throw new InvalidArgumentError((error as Error).message);
        }
      }),
    )
    .option('--dry-run', 'list every letter and what would happen to it; send nothing')
    .addHelpText('after', `\nIt reads the pipeline's settings (KAFKA_BROKERS, DEAD_LETTER_TOPIC):\n${settingsHelp()}`)
    .showHelpAfterError()
    .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2))
    .parse(argv, { from: 'user' })
    .opts<{ reason?: RegExp; dryRun?: boolean }>();
  loadDotEnv();
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`replay-dead-letters: ${error.message}`);
      return 2;
    }
    throw error;
  }
  const dryRun = options.dryRun === true;
  console.log(`replay-dead-letters: ${config.deadLetterTopic} on ${config.kafkaBrokers}${options.reason ? `, reasons matching ${String(options.reason)}` : ''}${dryRun ? ' (dry run: nothing is sent)' : ''}`);
  const report = await replayDeadLetters({
    connection: { brokers: config.kafkaBrokers },
    topic: config.deadLetterTopic,
    ...(options.reason ? { reason: options.reason } : {}),
    dryRun,
    onProgress: (read, total) => console.error(`  read ${read.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} letters`),
  });
  if (dryRun) for (const letter of report.letters) console.log(describe(letter));
  console.log(`${report.read} letters read; ${report.sent} ${dryRun ? 'would be sent' : 'sent'} again`);
  for (const [why, n] of Object.entries(report.skipped)) console.log(`  ${n} not sent: ${why}`);
  return 0;
}

function describe(letter: ReplayedLetter): string {
  const from = letter.from ? `${letter.from.topic} partition ${letter.from.partition} offset ${letter.from.offset}` : 'unknown origin';
  return `  letter ${letter.partition}:${letter.offset} (from ${from}): ${letter.outcome === 'sent' ? 'send' : `skip, ${letter.outcome}`}${letter.reason ? ` [${letter.reason}]` : ''}`;
}

main(userArgs()).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`replay-dead-letters: ${(error as Error).message ?? String(error)}`);
    process.exit(1);
  },
);
