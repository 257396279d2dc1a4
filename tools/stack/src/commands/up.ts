import { upCluster } from '../kafka/cluster';
import { bootstrapServers, stackLayout } from '../kafka/layout';
import { log, seconds, step } from '../log';
import { ensureDatabase, redact } from '../postgres';
import { databaseUrl, PIPELINE_TOPICS } from '../settings';
import { ensureTopics } from '../topics';

export interface UpCommandOptions {
  brokers: number;
  partitions: number;
  kafkaVersion: string;
  timeoutSeconds: number;
  heap: string;
}

/** `stack up`: Kafka, then the topics, then the database. Safe to run when everything is up already. */
export async function up(opts: UpCommandOptions): Promise<void> {
  const started = Date.now();
  const layout = stackLayout(opts.brokers);
  const kafka = await upCluster(layout, {
    kafkaVersion: opts.kafkaVersion,
    settings: { defaultPartitions: opts.partitions },
    heap: opts.heap,
    extraJvmArgs: extraJvmArgs(opts.brokers),
    timeoutMs: opts.timeoutSeconds * 1000,
  });
  const bootstrap = bootstrapServers(layout);

  await step(`Topics (${opts.partitions} partitions, replication ${layout.replicationFactor})`, () =>
    ensureTopics(bootstrap, PIPELINE_TOPICS, opts.partitions, layout.replicationFactor),
  (r) => [r.created.length && `created ${r.created.join(', ')}`, r.existing.length && `existing ${r.existing.join(', ')}`].filter(Boolean).join('; '));

  const url = databaseUrl();
  await step(`PostgreSQL ${redact(url)}`, () => ensureDatabase(url), (r) =>
    `${r.created ? `created database ${r.database}` : `database ${r.database} exists`}, init-db.sql applied`,
  );

  log.info('');
  log.info(`Stack up in ${seconds(Date.now() - started)}${kafka.alreadyRunning ? ' (Kafka was already running)' : ''}:`);
  log.info(`  KAFKA_BROKERS=${bootstrap}`);
  log.info(`  DATABASE_URL=${redact(url)}`);
  const timings = [
    kafka.mavenMs !== undefined && `maven ${seconds(kafka.mavenMs)}`,
    kafka.formatMs !== undefined && `format ${seconds(kafka.formatMs)}`,
    kafka.startToReadyMs !== undefined && `start-to-ready ${seconds(kafka.startToReadyMs)}`,
    kafka.alreadyRunning && `readiness re-check ${seconds(kafka.readyCheckMs)}`,
  ].filter(Boolean);
  log.info(`  timings: ${timings.join(', ')}`);
}

/**
 * Extra JVM options for the brokers: STACK_KAFKA_JVM_OPTS if set. Otherwise the 3-broker cluster, which
 * fault tests restart often, runs on the C1 compiler alone: its three JVMs reach "ready" on 2 cores in
 * about half the time, at some cost in peak throughput. The everyday broker keeps the full JIT so
 * benchmarks against it measure a normal broker.
 */
function extraJvmArgs(brokers: number): string[] {
  const fromEnv = process.env.STACK_KAFKA_JVM_OPTS;
  if (fromEnv !== undefined) return fromEnv.split(/\s+/).filter(Boolean);
  return brokers > 1 ? [C1_ONLY] : [];
}

export const C1_ONLY = '-XX:TieredStopAtLevel=1';
