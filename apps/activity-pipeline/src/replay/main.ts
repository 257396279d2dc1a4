import { REPLAY_SKIPS, replayDeadLetters, type ReplayedLetter } from '@pipeline/streams/kafka';
import { Command, InvalidArgumentError, Option } from 'commander';
import { userArgs } from '../cli-args';
import { commandConfig } from '../command-config';
import { settingsHelp } from '../config';

/**
 * `pnpm --filter activity-pipeline replay-dead-letters`: sends the records of DEAD_LETTER_TOPIC
 * back to the topic and partition they were read from, once what sent them there is fixed (the
 * pipeline's code, or the producer's data). Reads the same environment (and `.env`) as the app.
 * Exit code 0: done (or, with --dry-run, listed); 1: it failed; 2: a usage or configuration error.
 */
async function main(argv: readonly string[]): Promise<number> {
  const options = new Command('replay-dead-letters')
    .description(
      "Sends the letters of DEAD_LETTER_TOPIC back to the topic and partition each was read from (its dlq.topic: for this pipeline, INPUT_TOPIC), as they were: key, bytes, timestamp and headers, with their dlq.* history, so that one refused again says why each time. It reads the topic to where it ended when it began. Letters made by a stateful operator (offset -1), read from a repartition topic, truncated to fit the dead-letter topic, or with malformed dlq.* headers are not sent, and are counted. Sending them twice sends them twice: list them with --dry-run first.",
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
  const config = commandConfig('replay-dead-letters');
  if (config === undefined) return 2;
  const dryRun = options.dryRun === true;
  console.log(`replay-dead-letters: ${config.deadLetterTopic} on ${config.kafkaBrokers}${options.reason ? `, reasons matching ${String(options.reason)}` : ''}${dryRun ? ' (dry run: nothing is sent)' : ''}`);
  const report = await replayDeadLetters({
    connection: { brokers: config.kafkaBrokers },
    topic: config.deadLetterTopic,
    ...(options.reason ? { reason: options.reason } : {}),
    dryRun,
    // A dry run lists every letter as it is read: the listing is what it is for.
    ...(dryRun ? { onLetter: (letter: ReplayedLetter) => console.log(describe(letter)) } : {}),
    onProgress: (read, offsets) => console.error(`  read ${read.toLocaleString('en-US')} letters (of at most ${offsets.toLocaleString('en-US')})`),
  });
  console.log(`${report.read} letters read; ${report.sent} ${dryRun ? 'would be sent' : 'sent'} again`);
  for (const [why, n] of Object.entries(report.skipped)) console.log(`  ${n} not sent: ${REPLAY_SKIPS[why as keyof typeof REPLAY_SKIPS]}`);
  return 0;
}

function describe(letter: ReplayedLetter): string {
  const from = letter.from ? `${letter.from.topic} partition ${letter.from.partition} offset ${letter.from.offset}` : 'unknown origin';
  return `  letter ${letter.partition}:${letter.offset} (from ${from}): ${letter.outcome === 'send' ? 'send' : `skip, ${REPLAY_SKIPS[letter.outcome]}`}${letter.reason ? ` [${letter.reason}]` : ''}`;
}

/** Exits once everything written to stdout and stderr is out: a listing piped to another command would lose its end to process.exit. */
function exitWhenWritten(code: number): void {
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}

main(userArgs()).then(exitWhenWritten, (error: unknown) => {
  console.error(`replay-dead-letters: ${(error as Error).message ?? String(error)}`);
  exitWhenWritten(1);
});
