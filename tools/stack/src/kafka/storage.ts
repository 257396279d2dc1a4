import fs from 'node:fs';
import path from 'node:path';
import { lastLines, run } from '../process-utils';
import { newClusterId, readClusterMeta, writeClusterMeta } from './cluster-meta';
import { writeNodeConfig } from './node-files';
import { type ClusterLayout, type NodeLayout } from './layout';
import { classpath } from './maven-artifacts';
import { type BrokerSettings } from './broker-config';
import { log } from '../log';

// KRaft storage is formatted once per node (meta.properties + the bootstrap metadata); later starts reuse
// the data. All nodes of a cluster share one cluster id, kept in cluster.json.

export interface FormatResult {
  clusterId: string;
  /** Node ids formatted by this call (empty when all were formatted before). */
  formatted: number[];
}

export function isFormatted(node: NodeLayout): boolean {
  return fs.existsSync(path.join(node.dataDir, 'meta.properties'));
}

export async function ensureFormatted(
  layout: ClusterLayout,
  libsDir: string,
  version: string,
  settings: BrokerSettings,
): Promise<FormatResult> {
  let meta = readClusterMeta(layout);
  if (meta && meta.formattedWith !== version) {
    log.warn(
      `${layout.name}: storage was formatted by Kafka ${meta.formattedWith}, starting ${version} on it. ` +
        `If the broker fails, \`pnpm stack down --purge\` starts from empty storage.`,
    );
  }
  if (!meta) {
    // New cluster: nodes formatted under an old, lost id would never join it.
    for (const node of layout.nodes) fs.rmSync(node.dataDir, { recursive: true, force: true });
    meta = { clusterId: newClusterId(), formattedWith: version, formattedAt: new Date().toISOString() };
    writeClusterMeta(layout, meta);
  }
  const pending = layout.nodes.filter((n) => !isFormatted(n));
  const clusterId = meta.clusterId;
  await Promise.all(pending.map((node) => formatNode(layout, node, libsDir, clusterId, settings)));
  return { clusterId, formatted: pending.map((n) => n.id) };
}

async function formatNode(
  layout: ClusterLayout,
  node: NodeLayout,
  libsDir: string,
  clusterId: string,
  settings: BrokerSettings,
): Promise<void> {
  writeNodeConfig(layout, node, settings);
  const args = [
    '-Xmx256m',
    // A short-lived tool: the C1 compiler alone starts it a quarter faster.
    '-XX:TieredStopAtLevel=1',
    `-Dkafka.logs.dir=${node.logsDir}`,
    `-Dlog4j2.configurationFile=${node.log4jFile}`,
    '-cp',
    classpath(libsDir),
    'kafka.tools.StorageTool',
    'format',
    '-t',
    clusterId,
    '-c',
    node.configFile,
    '--ignore-formatted',
    // One node alone is its own dynamic quorum; several nodes use the static controller.quorum.voters.
    ...(layout.nodes.length === 1 ? ['--standalone'] : []),
  ];
  const result = await run(javaBin(), args);
  if (result.code !== 0) {
    throw new Error(`formatting ${node.dataDir} failed (exit ${result.code}):\n${lastLines(result.output, 30)}`);
  }
}

export function javaBin(): string {
  return process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
}
