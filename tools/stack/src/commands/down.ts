import fs from 'node:fs';
import { downCluster } from '../kafka/cluster';
import { stackLayout } from '../kafka/layout';
import { log, seconds } from '../log';
import { display } from '../paths';

export interface DownCommandOptions {
  /** Only this cluster; undefined stops both the single broker and the 3-node cluster. */
  brokers?: number;
  purge: boolean;
  timeoutSeconds: number;
}

/** `stack down`: stops exactly the brokers this checkout started (by their pid files). */
export async function down(opts: DownCommandOptions): Promise<void> {
  const layouts = (opts.brokers === undefined ? [1, 3] : [opts.brokers]).map((b) => stackLayout(b));
  for (const layout of layouts) {
    const t = Date.now();
    const result = await downCluster(layout, opts.timeoutSeconds * 1000);
    if (result.pids.length > 0) {
      const how = result.killed ? `SIGKILL after ${opts.timeoutSeconds}s without a clean shutdown` : 'clean shutdown';
      log.info(`Stopped Kafka (${layout.name}) pid ${result.pids.join(', ')} in ${seconds(Date.now() - t)} (${how})`);
    } else if (!opts.purge) {
      log.info(`Kafka (${layout.name}) was not running`);
    }
    if (opts.purge && fs.existsSync(layout.dir)) {
      // Data, logs and cluster id; the jar cache (.stack/kafka-<version>) stays.
      fs.rmSync(layout.dir, { recursive: true, force: true });
      log.info(`Removed ${display(layout.dir)} (broker data and logs)`);
    }
  }
  log.info('PostgreSQL is not managed by the stack and keeps running.');
}
