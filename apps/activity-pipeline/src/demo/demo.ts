import { resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { createPostgresDb } from '@pipeline/streams/postgres';
import { loadConfig, loadDotEnv } from '../config';
import { parseWholeNumber } from '../whole-number';
import type { Database } from '../db';
import { userArgs } from '../cli-args';
import { scriptCommand } from '../script-command';
import { run, startChild } from './child-process';
import { printEnriched, printLake, printTables } from './report';

/**
 * `pnpm demo`: starts the local stack if it is not running, runs the activity pipeline and the
 * producer for about a minute, prints what landed in every sink, and stops what it started.
 */
const REPO = resolve(__dirname, '../../../..');
const APP = resolve(__dirname, '../..');

// Plain decimal, as the settings: Number() took --rate 0x10 as 16, and 1e3 or ' 16' too. A whole
// --rate, as it is handed on to the producer as text: String() writes a small fraction as 1e-7.
const positive = (text: string) => {
  const n = parseWholeNumber(text);
  if (n === undefined || n < 1) throw new InvalidArgumentError('expected a positive whole number');
  return n;
};
const options = new Command('demo')
  .description(
    'Starts the local stack if it is not running, runs the activity pipeline and the producer for about a minute, prints what landed in every sink (tables, lake partitions, enriched events), and stops what it started.',
  )
  .addOption(new Option('--seconds <n>', 'how long the producer sends, whole seconds').argParser(positive).default(60))
  .addOption(new Option('--rate <n>', 'events per second, a whole number').argParser(positive).default(20))
  // Enough users that abandoned ones stay away past the session timeout (see the producer's --away).
  .addOption(new Option('--users <n>', 'simulated users').argParser(positive).default(1000))
  .addHelpText('after', '\nNumbers are plain decimal digits: no sign, fraction, exponent (1e3), 0x/0o/0b prefix, leading zero or spaces.')
  .showHelpAfterError()
  .parse(userArgs(), { from: 'user' })
  .opts<{ seconds: number; rate: number; users: number }>();
const SECONDS = options.seconds;
const RATE = options.rate;
const USERS = options.users;

const step = (text: string) => console.log(`\n\x1b[1m==> ${text}\x1b[0m`);

async function main(): Promise<number> {
  loadDotEnv();
  const config = loadConfig(process.env);
  const lakeDir = resolve(APP, config.lakeDir);

  step('Local stack (Kafka from Maven Central, PostgreSQL)');
  const wasUp = (await run('pnpm', ['--silent', 'stack', 'status'], REPO, true)) === 0;
  if (!wasUp && (await run('pnpm', ['--silent', 'stack', 'up'], REPO)) !== 0) {
    console.error('could not start the local stack: see the messages above (`pnpm stack logs` shows the broker log)');
    return 1;
  }
  console.log(wasUp ? 'already running: the demo will leave it running' : 'started: the demo stops it at the end');

  let exitCode = 0;
  try {
    step(`Activity pipeline (pnpm --filter activity-pipeline start) and producer at ${RATE} events/s for ${SECONDS}s`);
    // The app's start script, run directly (not through pnpm) so that SIGTERM reaches it.
    const start = scriptCommand(APP, 'start');
    const pipeline = startChild('pipeline', start.command, start.args, {
      cwd: APP,
      env: { ...start.env, LOG_FORMAT: 'pretty', STATUS_INTERVAL: '10s', LOG_LEVEL: 'info' },
    });
    await new Promise((r) => setTimeout(r, 3_000));
    const producer = startChild('producer', 'pnpm', ['--silent', '--filter', 'producer', 'start', '--', '--rate', String(RATE), '--users', String(USERS), '--duration', `${SECONDS}s`, '--log-format', 'json'], {
      cwd: REPO,
      env: { LOG_LEVEL: 'warn' },
    });
    const producerCode = await producer.exited;
    if (producerCode !== 0) {
      console.error(`the producer exited with ${producerCode}`);
      exitCode = 1;
    }
    await new Promise((r) => setTimeout(r, 3_000)); // the last commit interval
    step('Stopping the pipeline (SIGTERM: flush, commit, exit)');
    const pipelineCode = await pipeline.stop('SIGTERM');
    if (pipelineCode !== 0) {
      console.error(`the pipeline exited with ${pipelineCode}`);
      exitCode = 1;
    }

    step('What landed');
    const db = createPostgresDb<Database>(config.databaseUrl, { max: 1 });
    try {
      await printTables(db);
    } finally {
      await db.destroy();
    }
    await printLake(lakeDir);
    await printEnriched(config.kafkaBrokers, config.enrichedTopic, 5);
  } finally {
    if (!wasUp) {
      step('Stopping the local stack');
      await run('pnpm', ['--silent', 'stack', 'down'], REPO);
    }
  }
  return exitCode;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
