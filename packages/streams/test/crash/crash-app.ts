import { createLogger, localBackend, type Sink, type StateBackend } from '../../src';
import { KafkaStreams } from '../../src/connectors/kafka';
import { ChangelogBackend } from '../../src/connectors/kafka/changelog-backend';
import { createPostgresDb } from '../../src/connectors/postgres';
import { decoratedWriter } from '../../src/sinks/decorated-writer';
import { PHASES, type Phase } from './crash-plan';
import { crashTopology, type CrashDb } from './crash-topology';

/**
 * The crash test's fixture: runs `crashTopology` on the real broker and database until SIGTERM
 * (clean stop, exit 0) or until it is killed. Started by crash.test.ts and
 * multi-instance-crash.test.ts as a child process:
 *
 *   node --conditions=@pipeline/source --import tsx test/crash/crash-app.ts
 *
 * Configuration (environment):
 *   CRASH_APPLICATION_ID, CRASH_INPUT_TOPIC, CRASH_OUTPUT_TOPIC, CRASH_LAKE_DIR, CRASH_DATABASE_URL
 *                        required
 *   CRASH_STATE_DIR      required with single-instance scaling
 *   CRASH_GUARANTEE      at_least_once (default) | exactly_once
 *   CRASH_SCALING        single-instance (default: state in CRASH_STATE_DIR) | multi-instance
 *                        (state in changelog topics, the counts' re-keying through a repartition topic)
 *   CRASH_INSTANCE_ID    default `instance`: the runtime's instanceId (transactional ids) and, with
 *                        the application id, its static group membership (group.instance.id)
 *   CRASH_STATIC_MEMBERSHIP  off: no group.instance.id, as the library's default (default on)
 *   CRASH_SESSION_TIMEOUT_MS librdkafka's session.timeout.ms (default librdkafka's)
 *   CRASH_BROKERS        default 127.0.0.1:9092
 *   CRASH_SINK_THREADS   on: the PostgreSQL and lake sinks run in sink threads (default off)
 *   CRASH_KILL_AT        optional `<phase>@<records>`: SIGKILL itself in that phase of the first
 *                        commit whose offsets cover at least <records> input records (see Phase);
 *                        or `<phase>@signal`: in that phase of the first commit after a SIGUSR2
 *                        (the test picks the moment from what the running instances report)
 *
 * stdout carries one `progress {json}` line every 100 ms (what the test waits on); logs go to stderr.
 */

function required(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`crash-app: ${name} is not set`);
  return value;
}

/** `<phase>@signal` waits for SIGUSR2 (records Infinity until then, 0 after). */
function parseKillAt(text: string | undefined): { phase: Phase; records: number } | undefined {
  if (text === undefined || text === '') return undefined;
  const [phase, records] = text.split('@');
  if (!PHASES.includes(phase as Phase) || !/^(\d+|signal)$/.test(records ?? '')) throw new Error(`crash-app: CRASH_KILL_AT '${text}' is not <phase>@<records> or <phase>@signal`);
  return { phase: phase as Phase, records: records === 'signal' ? Infinity : Number(records) };
}

const killAt = parseKillAt(process.env.CRASH_KILL_AT);
if (killAt?.records === Infinity) process.once('SIGUSR2', () => (killAt.records = 0));
const inputTopic = required('CRASH_INPUT_TOPIC');

/** Kills this process, hard, if `phase` of a commit covering `records` input records is the chosen point. */
function crashPoint(phase: Phase, records: number): void {
  if (killAt === undefined || killAt.phase !== phase || records < killAt.records) return;
  process.stdout.write(`crash-point ${JSON.stringify({ phase, records })}\n`); // synchronous on a pipe
  process.kill(process.pid, 'SIGKILL');
}

/**
 * Input records a commit's offsets cover (offsets start at 0 in fresh topics). Only the input
 * topic's: with several instances a commit also holds offsets of the repartition topic.
 */
const covered = (offsets: Iterable<readonly [id: string, offset: number]>) =>
  [...offsets].filter(([id]) => id.startsWith(`${inputTopic}:`)).reduce((sum, [, offset]) => sum + offset, 0);

/** Input records covered by the last commit this process finalized. */
let committedRecords = 0;

/**
 * Puts crash points around `prepare` and `finalize` of `target`, in place: a local backend, or the
 * prototype of the changelog backend that a multi-instance runtime makes for itself (the fixture
 * cannot hand it one: it needs the runtime's transactional producer). Multi-instance, exactly
 * once, `prepared` is inside the open Kafka transaction and `finalizing` right after its commit.
 */
function armCommitCrashPoints(target: Pick<StateBackend, 'prepare' | 'finalize'>): void {
  const { prepare, finalize } = target;
  const preparedRecords = new Map<number, number>();
  target.prepare = async function (this: StateBackend, app, commitId, tasks) {
    const offsets = new Map<string, number>();
    for (const changes of tasks.values()) for (const [id, o] of Object.entries(changes.checkpoint.offsets)) offsets.set(id, Math.max(o, offsets.get(id) ?? 0));
    const records = covered(offsets);
    preparedRecords.set(commitId, records);
    crashPoint('flushed', records);
    await prepare.call(this, app, commitId, tasks);
    crashPoint('prepared', records);
  };
  target.finalize = async function (this: StateBackend, app, commitId) {
    // A finalize at start (a commit prepared before a crash) has no records known here: -1.
    const records = preparedRecords.get(commitId) ?? -1;
    crashPoint('finalizing', records);
    await finalize.call(this, app, commitId);
    committedRecords = Math.max(committedRecords, records);
    crashPoint('finalized', records);
  };
}

/** A sink whose flush arms the `mid-flush` crash point: the kill comes while every sink's flush runs. */
function crashingFlush<T>(sink: Sink<T>): Sink<T> {
  return {
    ...sink,
    async open(context) {
      const writer = await sink.open(context);
      return decoratedWriter(writer, {
        flush(commit) {
          setTimeout(() => crashPoint('mid-flush', covered(commit.offsets.map((o) => [`${o.topic}:${o.partition}`, o.offset]))), 3);
          return writer.flush(commit);
        },
      });
    },
  };
}

async function main(): Promise<number> {
  const applicationId = required('CRASH_APPLICATION_ID');
  const guarantee = process.env.CRASH_GUARANTEE ?? 'at_least_once';
  if (guarantee !== 'at_least_once' && guarantee !== 'exactly_once') throw new Error(`crash-app: CRASH_GUARANTEE '${guarantee}'`);
  const logger = createLogger({ level: 'info', format: 'json', fields: { app: applicationId, pid: process.pid } });
  const db = createPostgresDb<CrashDb>(required('CRASH_DATABASE_URL'), { max: 2, logger });
  const scaling = process.env.CRASH_SCALING ?? 'single-instance';
  if (scaling !== 'single-instance' && scaling !== 'multi-instance') throw new Error(`crash-app: CRASH_SCALING '${scaling}'`);
  const instanceId = process.env.CRASH_INSTANCE_ID ?? 'instance';
  let backend: StateBackend | undefined;
  if (scaling === 'single-instance') armCommitCrashPoints((backend = localBackend({ dir: required('CRASH_STATE_DIR') })));
  else armCommitCrashPoints(ChangelogBackend.prototype);
  const app = crashTopology({
    applicationId,
    inputTopic,
    outputTopic: required('CRASH_OUTPUT_TOPIC'),
    lakeDir: required('CRASH_LAKE_DIR'),
    db,
    wrapSink: crashingFlush,
    ...(process.env.CRASH_SINK_THREADS === 'on' ? { sinkThreads: { databaseUrl: required('CRASH_DATABASE_URL') } } : {}),
  });
  const runtime = new KafkaStreams(app, {
    connection: {
      brokers: process.env.CRASH_BROKERS ?? '127.0.0.1:9092',
      config: {
        // Static membership: a restarted instance takes its partitions back at once, instead of
        // waiting for the group to expire the killed member's session. Off, the library's default.
        ...(process.env.CRASH_STATIC_MEMBERSHIP === 'off' ? {} : { 'group.instance.id': `${applicationId}-${instanceId}` }),
        // Without static membership, how soon the group gives up on a killed member (ms).
        ...(process.env.CRASH_SESSION_TIMEOUT_MS ? { 'session.timeout.ms': Number(process.env.CRASH_SESSION_TIMEOUT_MS) } : {}),
        // A transaction a killed instance left open is aborted by the broker after this: 20 s
        // instead of the runtime's 60, so that a case which waits for it stays short. A commit
        // here takes well under a second.
        'transaction.timeout.ms': 20_000,
      },
    },
    processingGuarantee: guarantee,
    scaling,
    ...(backend ? { stateBackend: backend } : {}),
    instanceId,
    // Many small commits, so that crashes land in and around them.
    commitInterval: '100ms',
    batchSize: 20,
    maxBufferedRecords: 60,
    // No partition ever counts as idle: lateness must depend on the input only.
    idleTimeout: '1h',
    logger,
  });
  process.once('SIGTERM', () => void runtime.stop());

  const progress = setInterval(() => {
    const m = runtime.metrics();
    const line = { state: m.state, recordsIn: m.recordsIn, commits: m.commits, committedRecords, lag: m.lag, assigned: m.assigned };
    process.stdout.write(`progress ${JSON.stringify(line)}\n`);
  }, 100);
  try {
    await runtime.start();
    await runtime.done;
    return 0;
  } catch (error) {
    logger.error('crash-app failed', { error: (error as Error).message, stack: (error as Error).stack });
    return 1;
  } finally {
    clearInterval(progress);
    await db.destroy();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
