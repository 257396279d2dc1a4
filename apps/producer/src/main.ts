import { parseCommandLine } from './cli';
import { KafkaOutput } from './kafka-output';
import { createLogger, type Logger } from './logger';
import type { ProducerOptions } from './options';
import { systemClock, TokenBucket } from './pacing';
import { produceLoop } from './produce-loop';
import { expectedTotal, startProgress } from './progress';
import { generateEvents } from './simulation';
import { sleep } from './sleep';
import { formatSummary, RunCounters, summarize, type Snapshot } from './stats';

/** How long the final flush may wait for delivery reports before counting records as lost. */
const FLUSH_TIMEOUT_MS = 60_000;

// `producer [options]`: wiring and signals. Exit codes: 0 done, 1 records not delivered or Kafka
// unreachable, 2 bad options, 130 a second Ctrl-C during the final flush.

async function main(argv: readonly string[]): Promise<number> {
  const commandLine = parseCommandLine(argv);
  if (commandLine.kind === 'exit') return commandLine.code;
  const options = commandLine.options;
  const format = options.logFormat ?? (process.stderr.isTTY ? 'pretty' : 'json');
  const logger = createLogger(format, options.logLevel);
  const stop = onStopSignals(logger);

  logger.info('starting', describe(options));
  let output: KafkaOutput;
  try {
    const connecting = KafkaOutput.connect({ brokers: options.brokers, topic: options.topic, logger });
    // A stop while Kafka is still out of reach ends the run (exit 0): nothing was sent. The process
    // itself ends once node-rdkafka's connection attempt does (it holds a libuv thread until then).
    if (await Promise.race([connecting.then(() => false), aborted(stop)])) {
      connecting.then((late) => late.close(), () => {});
      logger.info('stopped before Kafka was reached: nothing sent (exiting once the connection attempt ends, within 10 s)');
      return 0;
    }
    output = await connecting;
  } catch (error) {
    logger.error((error as Error).message);
    return 1;
  }
  logger.info('producing', { topic: options.topic, rate: options.rate });

  const counters = new RunCounters();
  const started = systemClock.now();
  const read = (): Snapshot => ({
    sent: counters.sent,
    delivered: output.delivered,
    failed: output.failed,
    late: counters.late,
    invalid: counters.invalid,
    inFlight: output.inFlight,
    elapsedMs: systemClock.now() - started,
  });
  const progress = startProgress({
    mode: format === 'pretty' && process.stderr.isTTY ? 'bar' : 'log',
    logger,
    read,
    total: expectedTotal(options),
  });

  const reason = await produceLoop({
    records: generateEvents({
      seed: options.seed,
      users: options.users,
      pages: options.pages,
      abandonRate: options.abandonRate,
      awayMs: options.awayMs,
      lateEvery: options.lateEvery,
      lateByMs: options.lateByMs,
      invalidEvery: options.invalidEvery,
      eventsPerSecond: options.rate,
      ...(options.startTime === undefined ? { clock: Date.now } : { startTime: options.startTime }),
    }),
    output,
    pacer: new TokenBucket({ rate: options.rate, clock: systemClock }),
    counters,
    clock: systemClock,
    signal: stop,
    count: options.count,
    durationMs: options.durationMs,
    sleep,
  });
  progress.stop();
  if (output.inFlight > 0) logger.info('flushing', { in_flight: output.inFlight });
  await output.flush(FLUSH_TIMEOUT_MS);
  await output.close();

  const summary = summarize(read(), reason);
  const lost = summary.failed + summary.undelivered > 0;
  // A run that lost records exits 1: its summary is an error, shown at every --log-level.
  const level = lost ? 'error' : 'info';
  if (format === 'json') logger.log(level, 'summary', { ...summary });
  else logger.log(level, formatSummary(summary));
  return lost ? 1 : 0;
}

/** A repeat within this window is the same stop request delivered twice (pnpm, tsx and the terminal each pass it on). */
const REPEAT_WINDOW_MS = 1_000;

/**
 * The first SIGINT / SIGTERM stops producing and lets in-flight records finish; another one, a
 * second or more later, exits at once.
 */
function onStopSignals(logger: Logger): AbortSignal {
  const controller = new AbortController();
  let firstAt = 0;
  const handle = (signal: NodeJS.Signals) => {
    if (!controller.signal.aborted) {
      logger.info(`${signal}: stopping, waiting for in-flight records (again to quit at once)`);
      firstAt = Date.now();
      controller.abort();
      return;
    }
    if (Date.now() - firstAt < REPEAT_WINDOW_MS) return;
    logger.warn(`${signal} again: exiting without waiting for delivery reports`);
    process.exit(130);
  };
  process.on('SIGINT', handle);
  process.on('SIGTERM', handle);
  return controller.signal;
}

/** Resolves with true once `signal` aborts. */
function aborted(signal: AbortSignal): Promise<true> {
  return new Promise((resolve) => (signal.aborted ? resolve(true) : signal.addEventListener('abort', () => resolve(true), { once: true })));
}

function describe(o: ProducerOptions): Record<string, unknown> {
  return {
    brokers: o.brokers,
    topic: o.topic,
    rate: o.rate,
    ...(o.count === undefined ? {} : { count: o.count }),
    ...(o.durationMs === undefined ? {} : { duration_ms: o.durationMs }),
    users: o.users,
    pages: o.pages,
    seed: o.seed,
    ...(o.randomSeed ? { seed_source: 'random (pass --seed to replay the same users, pages and types)' } : {}),
    event_time: o.startTime === undefined ? 'wall clock' : `virtual from ${new Date(o.startTime).toISOString()}`,
    late_every: o.lateEvery,
    late_by_ms: o.lateByMs,
    invalid_every: o.invalidEvery,
    abandon_rate: o.abandonRate,
    away_ms: o.awayMs,
  };
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // node-rdkafka is closed by now; this only guards against a handle that would keep the process up.
    setTimeout(() => process.exit(code), 2_000).unref();
  },
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
