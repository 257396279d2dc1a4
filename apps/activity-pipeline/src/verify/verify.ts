import type { Config } from '../config';
import { checkLakeDir } from './lake-dir-check';
import { checkTables, connectDatabase } from './database-checks';
import { checkBroker, checkTopics } from './kafka-checks';
import { checkPipeline } from './pipeline-health';
import { runProbe } from './probe';
import { skip, type CheckResult } from './report';

export interface VerifyOptions {
  /** How long the probe may take to reach every sink. */
  readonly timeoutMs: number;
  /** Each result as soon as it is known, and progress lines. */
  readonly onResult: (result: CheckResult) => void;
  readonly progress: (line: string) => void;
}

/**
 * The pre-flight check: the broker, the topics, the database and its tables, the lake directory,
 * then a probe through the running pipeline to every sink. A check that needs another one that
 * failed is skipped, saying which.
 * @example const results = await verify(loadConfig(process.env), { timeoutMs: 30_000, onResult: print, progress: console.log });
 */
export async function verify(config: Config, options: VerifyOptions): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const report = (r: CheckResult) => {
    results.push(r);
    options.onResult(r);
    return r;
  };

  const broker = await checkBroker(config);
  report(broker.result);
  const topics = broker.metadata ? checkTopics(config, broker.metadata) : undefined;
  report(topics?.result ?? skip('topics', 'needs the broker'));

  const database = await connectDatabase(config);
  report(database.result);
  const db = database.client;
  try {
    const tables = report(db ? await checkTables(db) : skip('tables', 'needs the database'));
    const lake = report(await checkLakeDir(config));
    const pipeline = report(await checkPipeline(config));

    const blocker = topics?.result.status !== 'pass' ? 'the broker and topics' : pipeline.status !== 'pass' ? 'a running pipeline' : undefined;
    if (blocker !== undefined) {
      for (const sink of ['page_view_counts', 'active_users', 'user_sessions', 'lake', config.enrichedTopic]) report(skip(sink, `probe not sent: needs ${blocker}`));
      return results;
    }
    const probe = await runProbe({
      config,
      enrichedPartitions: topics!.partitions.get(config.enrichedTopic)!,
      db: tables.status === 'pass' ? db : undefined,
      lakeWritable: lake.status === 'pass',
      timeoutMs: options.timeoutMs,
      progress: options.progress,
    });
    for (const r of probe) report(r);
    return results;
  } finally {
    await db?.end().catch(() => undefined);
  }
}
