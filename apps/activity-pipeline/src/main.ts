import type { AddressInfo } from 'node:net';
import { Command, CommanderError } from 'commander';
import { createLogger, DirectoryInUseError, localBackend, logProcessWarnings } from '@pipeline/streams';
import { KafkaStreams } from '@pipeline/streams/kafka';
import { createPostgresDb } from '@pipeline/streams/postgres';
import { userArgs } from './cli-args';
import { checkDirectories, ConfigError, loadConfig, loadDotEnv, SETTINGS, settingsHelp } from './config';
import { checkDatabase } from './database-check';
import type { Database } from './db';
import { startHttpServer } from './observability/http-server';
import { prometheusRegistry } from './observability/prometheus';
import { startStatusLine } from './observability/status-line';
import { pipelineSettings } from './pipeline-settings';
import { pipelineSinkThread, productionSinks } from './sinks';
import { activityPipeline } from './topology';

/** A signal this soon after the first is the same stop request delivered twice (terminal and pnpm). */
const REPEAT_WINDOW_MS = 1_000;

/**
 * `pnpm --filter activity-pipeline start`: reads user_activity and keeps page views, active users
 * and sessions in PostgreSQL, every event in the Parquet lake and on enriched_activity. SIGINT or
 * SIGTERM: finish the batch, flush every sink, commit, exit 0.
 */
async function main(): Promise<number> {
  // No options: `--help` describes the settings, which come from the environment.
  const command = new Command('activity-pipeline')
    .description(
      'The activity pipeline: reads user_activity and keeps page views per URL (1-minute windows), active users (5-minute windows every minute) and user sessions in PostgreSQL, every event in a Parquet lake and, with its processing time, on enriched_activity. SIGINT/SIGTERM: flush every sink, commit, exit.',
    )
    .addHelpText('after', `\n${settingsHelp()}`)
    .showHelpAfterError()
    .exitOverride();
  try {
    command.parse(userArgs(), { from: 'user' });
  } catch (error) {
    // --help exits 0; an unknown option or argument is bad input like a bad setting: 2, not commander's 1.
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    throw error;
  }
  loadDotEnv();
  let config;
  try {
    config = loadConfig(process.env);
    await checkDirectories(config);
  } catch (error) {
    if (error instanceof ConfigError) {
      reportConfigError(error, process.env);
      return 2;
    }
    throw error;
  }
  // Every line says which part wrote it (`component`), so a collector can tell the runtime's from a sink's.
  const base = createLogger({ level: config.logLevel, format: config.logFormat, fields: { app: config.applicationId } });
  const logger = base.child({ component: 'app' });
  logProcessWarnings(base.child({ component: 'node' }));
  const db = createPostgresDb<Database>(config.databaseUrl, { max: 4, applicationName: config.applicationId, logger: base.child({ component: 'postgres' }) });
  const sinkThread = pipelineSinkThread(config);
  const app = activityPipeline(pipelineSettings(config), productionSinks(config, db, sinkThread));
  logger.info(`topology\n${app.describe()}`);

  const runtime = new KafkaStreams(app, {
    connection: { brokers: config.kafkaBrokers },
    processingGuarantee: config.processingGuarantee,
    scaling: config.scaling,
    ...(config.instanceId ? { instanceId: config.instanceId } : {}),
    // Single instance: state in local files. Multi-instance: in changelog topics (the runtime's default then).
    ...(config.scaling === 'single-instance' ? { stateBackend: localBackend({ dir: config.stateDir }) } : {}),
    commitInterval: config.commitIntervalMs,
    idleTimeout: config.idlePartitionTimeoutMs,
    autoOffsetReset: config.autoOffsetReset,
    logger: base.child({ component: 'runtime' }),
  });
  // Until `runtime.start()`, the runtime reads 'stopped': /health says 'starting' meanwhile (the
  // start waits for the database), or a liveness probe would restart the app during that wait.
  let beforeStart = true;
  const read = () => {
    const metrics = runtime.metrics();
    return beforeStart && metrics.state === 'stopped' ? { ...metrics, state: 'starting' as const } : metrics;
  };
  const threads = sinkThread ? [sinkThread] : [];
  let server;
  try {
    server = await startHttpServer(config.httpPort, prometheusRegistry(read, threads), read);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EADDRINUSE' && code !== 'EACCES') throw error;
    logger.error(`HTTP_PORT ${config.httpPort} cannot be used (${code}): another process listens on it (another instance?), or it needs privileges; set HTTP_PORT to a free port, or 0 for any`);
    await db.destroy();
    return 2;
  }
  // The bound port, not the configured one: HTTP_PORT=0 asks for any free port.
  logger.info('serving /metrics and /health', { port: (server.address() as AddressInfo).port });
  // After the local checks (directories, HTTP_PORT), which need no server: a database that cannot
  // be reached (after waiting for one still starting) is a setting to fix, named at start, rather
  // than a sink's failure once running.
  try {
    await checkDatabase(config.databaseUrl, { applicationName: config.applicationId, logger: base.child({ component: 'postgres' }) });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    // As any configuration error is logged: one line, the problems listed (README, "Logs").
    logger.error('invalid configuration', { problems: error.problems });
    server.close();
    await db.destroy();
    return 2;
  }
  const stopStatus = startStatusLine(base.child({ component: 'status' }), config.statusIntervalMs, read, threads);

  // Ctrl-C reaches the app twice, milliseconds apart: from the terminal (the whole process group)
  // and from pnpm, which relays it. A repeat within REPEAT_WINDOW_MS is that same request; a later
  // one asks to exit at once.
  let firstSignalAt: number | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (firstSignalAt !== undefined) {
      if (Date.now() - firstSignalAt < REPEAT_WINDOW_MS) return;
      logger.warn('second signal: exiting without a clean stop (the next start resumes from the last commit)', { signal });
      process.exit(130);
    }
    firstSignalAt = Date.now();
    logger.info('stopping: flushing sinks and committing (a second signal, a second or more later, exits at once)', { signal });
    void runtime.stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let code = 0;
  try {
    beforeStart = false;
    await runtime.start();
    await runtime.done;
  } catch (error) {
    if (error instanceof DirectoryInUseError) {
      // Another instance runs on this STATE_DIR (and APPLICATION_ID): a setting to fix, as HTTP_PORT above.
      logger.error(`STATE_DIR ${config.stateDir} is in use by another instance of ${config.applicationId}: give each instance its own STATE_DIR, or run them with SCALING=multi-instance`, { error: error.message });
      code = 2;
    } else {
      logger.error('activity pipeline failed', { error: (error as Error).message });
      code = 1;
    }
  } finally {
    stopStatus();
    server.close();
    await db.destroy();
  }
  logger.info(code === 0 ? 'stopped' : 'stopped after a failure', { code });
  return code;
}

/**
 * A configuration error, in the format the logs would have had: a JSON line (level error, the
 * problems as a list) where a collector reads JSON, so the reason the app stopped is not the one
 * line it cannot parse; plain text on a terminal. LOG_FORMAT is read alone here, since the
 * configuration as a whole was refused.
 */
function reportConfigError(error: ConfigError, env: NodeJS.ProcessEnv): void {
  const format = env.LOG_FORMAT?.trim();
  const json = format === 'json' || (format !== 'pretty' && !process.stderr.isTTY);
  if (!json) {
    console.error(`activity-pipeline: ${error.message}`);
    return;
  }
  const app = env.APPLICATION_ID?.trim() || SETTINGS.APPLICATION_ID.default;
  createLogger({ format: 'json', fields: { app, component: 'app' } }).error('invalid configuration', { problems: error.problems });
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
