import fs from 'node:fs';
import { display } from '../paths';
import { log, seconds, step } from '../log';
import { findProcesses, isAlive, isKafkaBroker, lastLines } from '../process-utils';
import { livePid, removePid } from '../state';
import { type BrokerSettings } from './broker-config';
import { fileSize, startNode, stopNodes, type StopResult } from './broker-process';
import { readClusterMeta, writeClusterMeta } from './cluster-meta';
import { bootstrapServers, type ClusterLayout, HOST, type NodeLayout } from './layout';
import { ensureKafkaLibs } from './maven-artifacts';
import { canConnect, checkClients, describe, NotReadyError, waitForPorts } from './readiness';
import { ensureFormatted } from './storage';

// One local Kafka cluster (1 or 3 nodes) as a unit: start what is not running, wait until clients can
// use it, stop it. Used by the CLI and by tests that need a cluster of their own.

export interface UpOptions {
  kafkaVersion: string;
  settings: BrokerSettings;
  heap: string;
  extraJvmArgs?: string[];
  timeoutMs: number;
}

export interface UpReport {
  /** Every node was running before: nothing was started, only readiness re-checked. */
  alreadyRunning: boolean;
  pids: number[];
  mavenMs?: number;
  formatMs?: number;
  /** From spawning the JVMs until clients could use every broker. */
  startToReadyMs?: number;
  readyCheckMs: number;
}

export async function upCluster(layout: ClusterLayout, opts: UpOptions): Promise<UpReport> {
  const bootstrap = bootstrapServers(layout);
  const down = layout.nodes.filter((n) => livePid(n) === undefined);
  const report: UpReport = { alreadyRunning: down.length === 0, pids: [], readyCheckMs: 0 };

  if (down.length === 0) {
    log.info(`Kafka (${layout.name}) is already running: ${describeNodes(layout)}`);
    const running = readClusterMeta(layout)?.startedWith;
    if (running && running !== opts.kafkaVersion) {
      log.warn(`it runs Kafka ${running}, not ${opts.kafkaVersion}: \`pnpm stack down\` first to switch`);
    }
  } else {
    await assertPortsFree(down);
    const t0 = Date.now();
    const libs = await step(`Resolving Kafka ${opts.kafkaVersion} (Maven)`, () => ensureKafkaLibs(opts.kafkaVersion), (r) =>
      r.cached ? `cached in ${display(r.libsDir)}` : `jars copied to ${display(r.libsDir)}`,
    );
    report.mavenMs = Date.now() - t0;

    const t1 = Date.now();
    await step(`Formatting KRaft storage (${layout.name})`, () => ensureFormatted(layout, libs.libsDir, opts.kafkaVersion, opts.settings), (r) =>
      r.formatted.length ? `cluster id ${r.clusterId}, node(s) ${r.formatted.join(', ')}` : 'already formatted',
    );
    report.formatMs = Date.now() - t1;

    const meta = readClusterMeta(layout);
    if (meta) writeClusterMeta(layout, { ...meta, startedWith: opts.kafkaVersion });
    const started = await step(`Starting ${down.length} broker(s) (${layout.name})`, async () =>
      down.map((node) => ({ node, ...startNode(layout, node, libs.libsDir, opts.settings, { heap: opts.heap, extraArgs: opts.extraJvmArgs }) })),
    (list) => list.map((s) => `node ${s.node.id} pid ${s.pid}`).join(', '));
    const t2 = Date.now();
    const deadline = t2 + opts.timeoutMs;
    try {
      await step(`Waiting for ${down.map((n) => `${HOST}:${n.brokerPort}`).join(',')} to accept connections`, () =>
        waitForPorts(down.map((n) => n.brokerPort), HOST, deadline, () => {
          const dead = started.find((s) => !isAlive(s.pid));
          return dead && `broker ${dead.node.id} (pid ${dead.pid}) exited during startup`;
        }),
      );
      await step('Checking a transactional producer and a consumer group', () =>
        checkClients({ bootstrapServers: bootstrap, replicationFactor: layout.replicationFactor, deadline }),
      );
    } catch (err) {
      const error = startupError(layout, started, err, opts.timeoutMs);
      // A pid file of a JVM that already exited would only mislead `status`.
      for (const s of started) if (!isAlive(s.pid)) removePid(s.node);
      throw error;
    }
    report.startToReadyMs = Date.now() - t2;
    report.pids = layout.nodes.map((n) => livePid(n) ?? -1);
    log.info(`    Kafka ${opts.kafkaVersion} (${layout.name}) ready on ${bootstrap} in ${seconds(report.startToReadyMs)} after start`);
    return report;
  }

  // Already running: a quick proof that it still serves (a broker can be alive yet wedged).
  const t = Date.now();
  try {
    await step('Checking a transactional producer and a consumer group', () =>
      checkClients({ bootstrapServers: bootstrap, replicationFactor: layout.replicationFactor, deadline: t + opts.timeoutMs }),
    );
  } catch (err) {
    throw new Error(`Kafka (${layout.name}) runs but does not serve clients: ${describe(err)}\nBroker log: ${logList(layout)}`);
  }
  report.readyCheckMs = Date.now() - t;
  report.pids = layout.nodes.map((n) => livePid(n) ?? -1);
  return report;
}

export async function downCluster(layout: ClusterLayout, timeoutMs: number): Promise<StopResult> {
  return stopNodes(layout.nodes, timeoutMs);
}

export interface NodeStatus {
  id: number;
  pid?: number;
  brokerPort: number;
  brokerPortOpen: boolean;
  controllerPort: number;
  serverLog: string;
}

export interface ClusterStatus {
  name: string;
  kafkaVersion?: string;
  clusterId?: string;
  bootstrapServers: string;
  nodes: NodeStatus[];
  /** Every node has a live broker process and its client port accepts connections. */
  up: boolean;
  /** At least one node of this cluster runs. */
  anyRunning: boolean;
}

export async function clusterStatus(layout: ClusterLayout): Promise<ClusterStatus> {
  const meta = readClusterMeta(layout);
  const nodes = await Promise.all(
    layout.nodes.map(async (n): Promise<NodeStatus> => {
      const pid = livePid(n);
      return {
        id: n.id,
        pid,
        brokerPort: n.brokerPort,
        brokerPortOpen: pid !== undefined && (await canConnect(HOST, n.brokerPort)),
        controllerPort: n.controllerPort,
        serverLog: n.serverLog,
      };
    }),
  );
  return {
    name: layout.name,
    kafkaVersion: meta?.startedWith ?? meta?.formattedWith,
    clusterId: meta?.clusterId,
    bootstrapServers: bootstrapServers(layout),
    nodes,
    up: nodes.every((n) => n.pid !== undefined && n.brokerPortOpen),
    anyRunning: nodes.some((n) => n.pid !== undefined),
  };
}

/** Refuses to start when another process (another checkout's broker, say) holds one of our ports. */
async function assertPortsFree(nodes: NodeLayout[]): Promise<void> {
  for (const node of nodes) {
    for (const port of [node.brokerPort, node.controllerPort]) {
      if (await canConnect(HOST, port, 500)) {
        const brokers = findProcesses(isKafkaBroker);
        const hint = brokers.length
          ? `\nKafka brokers running on this machine:\n${brokers.map((b) => `  pid ${b.pid}: ${b.argv.at(-1) ?? ''}`).join('\n')}`
          : '';
        throw new Error(`${HOST}:${port} is already in use by a process this checkout did not start.${hint}`);
      }
    }
  }
}

function startupError(
  layout: ClusterLayout,
  started: { node: NodeLayout; pid: number; logOffset: number }[],
  err: unknown,
  timeoutMs: number,
): Error {
  const reason = err instanceof NotReadyError ? err.message : describe(err);
  const running = started.filter((s) => isAlive(s.pid));
  const headline =
    running.length === started.length
      ? `Kafka (${layout.name}) did not become ready within ${seconds(timeoutMs)}: ${reason}`
      : `Kafka (${layout.name}) failed to start: ${reason}`;
  const parts = [headline];
  for (const { node, logOffset } of started) {
    parts.push(`Broker log: ${display(node.serverLog)}`);
    const tail = lastLines(readFrom(node.serverLog, logOffset), 15);
    if (tail) parts.push(indent(tail));
    const jvm = readFrom(node.jvmOut, 0).trim();
    if (jvm) parts.push(`JVM output (${display(node.jvmOut)}):`, indent(lastLines(jvm, 15)));
  }
  if (running.length > 0) {
    parts.push(`Broker(s) ${running.map((s) => s.pid).join(', ')} left running for inspection; \`pnpm stack down\` stops them.`);
  }
  return new Error(parts.join('\n'));
}

function readFrom(file: string, offset: number): string {
  const size = fileSize(file);
  if (size <= offset) return '';
  // The end of the file is enough for an error message: read at most the last 64 KiB.
  const start = Math.max(offset, size - 65536);
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(size - start);
    fs.readSync(fd, buf, 0, buf.length, start);
    return buf.toString('utf8');
  } finally {
    fs.closeSync(fd);
  }
}

function indent(text: string): string {
  return text.split('\n').map((l) => `    ${l}`).join('\n');
}

function describeNodes(layout: ClusterLayout): string {
  return layout.nodes.map((n) => `node ${n.id} pid ${livePid(n)} on ${HOST}:${n.brokerPort}`).join(', ');
}

function logList(layout: ClusterLayout): string {
  return layout.nodes.map((n) => display(n.serverLog)).join(', ');
}
