import fs from 'node:fs';
import { clusterStatus, type ClusterStatus } from '../kafka/cluster';
import { HOST, stackLayout } from '../kafka/layout';
import { log } from '../log';
import { display } from '../paths';
import { databaseProblem, redact } from '../postgres';
import { databaseUrl } from '../settings';

/**
 * `stack status`: what runs where. Returns the exit code for scripts: 0 only if every broker runs and
 * accepts connections and the database answers, else 1 (`pnpm exec` turns any failure into 1 anyway).
 */
export async function status(opts: { brokers: number }): Promise<number> {
  const main = await clusterStatus(stackLayout(opts.brokers));
  printCluster(main);
  // Mention the other cluster only when something of it runs.
  const other = await clusterStatus(stackLayout(opts.brokers === 1 ? 3 : 1));
  if (other.anyRunning) printCluster(other);

  const url = databaseUrl();
  const problem = await databaseProblem(url);
  log.info(problem ? `PostgreSQL: NOT reachable. ${problem}` : `PostgreSQL ${redact(url)}: reachable`);
  return main.up && !problem ? 0 : 1;
}

function printCluster(s: ClusterStatus): void {
  const state = s.up ? 'up' : s.anyRunning ? 'DEGRADED (some brokers down)' : 'down';
  const version = s.kafkaVersion ? `Kafka ${s.kafkaVersion}` : 'Kafka (never started)';
  log.info(`${version}, ${s.name}: ${state}${s.up ? `, KAFKA_BROKERS=${s.bootstrapServers}` : ''}`);
  for (const n of s.nodes) {
    const running = n.pid !== undefined;
    const parts = [
      `node ${n.id}`,
      running ? `pid ${n.pid}` : 'not running',
      `broker ${HOST}:${n.brokerPort}${running ? (n.brokerPortOpen ? ' (accepting)' : ' (NOT accepting)') : ''}`,
      `controller ${HOST}:${n.controllerPort}`,
    ];
    if (fs.existsSync(n.serverLog)) parts.push(`log ${display(n.serverLog)}`);
    log.info(`  ${parts.join(', ')}`);
  }
}
