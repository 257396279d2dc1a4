import { Command, CommanderError, Option } from 'commander';
import { OPTION_DEFAULTS, UsageError, validateOptions, type OPTION_ENV, type ProducerOptions, type RawOptions, type ValueSource } from './options';

const EXAMPLES = `
Examples:
  $ producer --rate 10                                   live traffic until Ctrl-C
  $ producer --rate 200 --users 20000 --duration 5m      a busier site for five minutes
  $ producer --seed 7 --start-time 2024-01-01T00:00:00Z --rate 1000 --count 100000
                                                         the same 100,000 records on every run (100 s)
  $ producer --late-every 20 --late-by 30s               late, but within the 2-minute watermark
  $ producer --invalid-every 100                         a malformed record now and then (dead letters)
  $ producer --rate 100000 --count 1000000               throughput test

Numbers are plain decimal: digits (250), and for --rate, --abandon-rate and durations also a
fraction (0.5, 1.5s); no sign, exponent (1e3), 0x or 0o prefix, leading zero (010, 05m) or spaces.

Exit codes: 0 done (also after Ctrl-C / SIGTERM, once in-flight records are delivered),
1 a record was not delivered or Kafka was unreachable, 2 bad options, 130 a second Ctrl-C / SIGTERM
(a second or more after the first): no summary; while waiting for delivery reports it exits at once,
while Kafka is not reached yet once the connection attempt ends (within 10 s).`;

/** Where commander writes; tests capture it. */
export interface CliOutput {
  writeOut(text: string): void;
  writeErr(text: string): void;
}

const processOutput: CliOutput = {
  writeOut: (text) => process.stdout.write(text),
  writeErr: (text) => process.stderr.write(text),
};

/** The command line: options with descriptions and defaults, and `--help`. */
export function buildProgram(output: CliOutput = processOutput): Command {
  const d = OPTION_DEFAULTS;
  return new Command('producer')
    .description(
      'Generate realistic user activity (sessions of page views and clicks by simulated users) into a Kafka topic, ' +
        'keyed by user_id, at a steady rate; with late and malformed records to exercise the pipeline.',
    )
    .addOption(new Option('--rate <events/s>', 'events per second').default(d.rate, d.rate))
    .addOption(new Option('--duration <time>', 'stop after this long, e.g. 60s, 5m, 1h30m (default: until Ctrl-C)'))
    .addOption(new Option('--count <n>', 'stop after n records; with --duration, whichever comes first'))
    .addOption(new Option('--users <n>', 'simulated users (user-0000, user-0001, …), at most 10000000').default(d.users, d.users))
    .addOption(new Option('--pages <n>', 'distinct pages of the site, a few much more popular than the rest, at most 10000000').default(d.pages, d.pages))
    .addOption(new Option('--brokers <list>', 'Kafka bootstrap servers, host:port[,host:port…]').env('KAFKA_BROKERS').default(d.brokers, d.brokers))
    .addOption(new Option('--topic <name>', 'topic to write to').env('INPUT_TOPIC').default(d.topic, d.topic))
    .addOption(new Option('--seed <n>', 'seed of the pseudo-random generator: same seed, same users, pages and event types (default: random, logged)'))
    .addOption(
      new Option(
        '--start-time <iso>',
        'virtual event time: the first event at this time, each next one 1/rate later, instead of the wall clock; with --seed the stream is fully reproducible',
      ),
    )
    .addOption(new Option('--late-every <n>', 'every n-th record is late (its event time shifted back by --late-by); 0 disables').default(d.lateEvery, d.lateEvery))
    .addOption(new Option('--late-by <time>', "how late: 3m is beyond the pipeline's 2-minute watermark (late for page views, sessions and the oldest of 5 active-users windows), 30s within it").default(d.lateBy, d.lateBy))
    .addOption(new Option('--invalid-every <n>', 'every n-th record is malformed (bad JSON, unknown event_type, …) for the dead-letter path; 0 disables').default(d.invalidEvery, d.invalidEvery))
    .addOption(new Option('--abandon-rate <0..1>', 'fraction of sessions that never send session_end (closed by the session timeout)').default(d.abandonRate, d.abandonRate))
    .addOption(new Option('--away <time>', "how long a user who abandoned a session stays silent; above the pipeline's 30m session timeout").default(d.away, d.away))
    .addOption(new Option('--log-level <level>', 'error, warn, info or debug').env('LOG_LEVEL').default(d.logLevel, d.logLevel))
    .addOption(new Option('--log-format <format>', 'json (structured lines) or pretty (progress bar on a terminal) (default: pretty on a terminal, else json)'))
    .addHelpText('after', EXAMPLES)
    .showSuggestionAfterError()
    .configureOutput({ writeOut: (t) => output.writeOut(t), writeErr: (t) => output.writeErr(t) })
    .exitOverride();
}

/** What to do after reading the command line. */
export type CommandLine = { readonly kind: 'run'; readonly options: ProducerOptions } | { readonly kind: 'exit'; readonly code: number };

/**
 * Parses `argv` (without node and script). `--help` → exit 0; a bad option, unknown or with a bad
 * value → a message naming it on stderr and exit 2.
 */
export function parseCommandLine(argv: readonly string[], output: CliOutput = processOutput): CommandLine {
  // `pnpm start -- --rate 10` passes the `--` on; commander would read what follows as operands.
  const args = argv[0] === '--' ? argv.slice(1) : [...argv];
  const program = buildProgram(output);
  try {
    program.parse(args, { from: 'user' });
    // A message names the flag or its variable (KAFKA_BROKERS, INPUT_TOPIC, LOG_LEVEL), whichever gave the value.
    const source = (field: keyof typeof OPTION_ENV) => program.getOptionValueSource(field) as ValueSource;
    const sources = { brokers: source('brokers'), topic: source('topic'), logLevel: source('logLevel') };
    return { kind: 'run', options: validateOptions(program.opts<RawOptions>(), sources) };
  } catch (error) {
    if (error instanceof CommanderError) return { kind: 'exit', code: error.exitCode === 0 ? 0 : 2 };
    if (error instanceof UsageError) {
      output.writeErr(`${error.message.replace(/^/gm, 'error: ')}\n(run with --help for usage)\n`);
      return { kind: 'exit', code: 2 };
    }
    throw error;
  }
}
