import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { isAlive, KAFKA_MAIN_CLASS, sleep } from '../process-utils';
import { brokerPids, removePid, writePid } from '../state';
import { type BrokerSettings } from './broker-config';
import { type ClusterLayout, type NodeLayout } from './layout';
import { classpath } from './maven-artifacts';
import { writeNodeConfig } from './node-files';
import { javaBin } from './storage';

// Starting and stopping one broker JVM. Started detached (own session, no handles to the CLI), so it
// survives `pnpm stack up` exiting and a Ctrl-C in that terminal.

export interface JvmOptions {
  heap: string;
  /** Appended after the defaults (so they win), e.g. `-XX:TieredStopAtLevel=1` for faster start-up. */
  extraArgs?: string[];
}

export interface StartedNode {
  pid: number;
  /** Size of server.log before this start: what follows is this start's output (for error messages). */
  logOffset: number;
}

export function startNode(
  layout: ClusterLayout,
  node: NodeLayout,
  libsDir: string,
  settings: BrokerSettings,
  jvm: JvmOptions,
): StartedNode {
  writeNodeConfig(layout, node, settings);
  const logOffset = fileSize(node.serverLog);
  // The JVM's own stdout/stderr: empty in normal runs, the only trace when the JVM cannot start at all.
  const out = fs.openSync(node.jvmOut, 'w');
  const args = [
    `-Xms${jvm.heap}`,
    `-Xmx${jvm.heap}`,
    // The GC settings of Kafka's bin/kafka-run-class.sh.
    '-XX:+UseG1GC',
    '-XX:MaxGCPauseMillis=20',
    '-XX:InitiatingHeapOccupancyPercent=35',
    '-XX:+ExplicitGCInvokesConcurrent',
    '-Djava.awt.headless=true',
    `-Dkafka.logs.dir=${node.logsDir}`,
    `-Dlog4j2.configurationFile=${node.log4jFile}`,
    ...(jvm.extraArgs ?? []),
    '-cp',
    classpath(libsDir),
    KAFKA_MAIN_CLASS,
    node.configFile,
  ];
  const child = spawn(javaBin(), args, { detached: true, stdio: ['ignore', out, out], cwd: node.dir });
  fs.closeSync(out);
  if (child.pid === undefined) throw new Error(`could not start ${javaBin()} (is Java 17+ installed?)`);
  child.unref();
  writePid(node, child.pid);
  return { pid: child.pid, logOffset };
}

export interface StopResult {
  pids: number[];
  /** True if a broker ignored SIGTERM until the timeout and was killed. */
  killed: boolean;
}

/**
 * Stops the brokers of a cluster, all at once: SIGTERM starts each one's controlled shutdown; after
 * timeoutMs whatever still runs gets SIGKILL. Pid files are removed.
 */
export async function stopNodes(nodes: NodeLayout[], timeoutMs: number): Promise<StopResult> {
  const pids = nodes.flatMap(brokerPids);
  for (const pid of pids) signal(pid, 'SIGTERM');
  const deadline = Date.now() + timeoutMs;
  while (pids.some(isAlive) && Date.now() < deadline) await sleep(200);
  const stubborn = pids.filter(isAlive);
  for (const pid of stubborn) signal(pid, 'SIGKILL');
  const killDeadline = Date.now() + 10_000;
  while (stubborn.some(isAlive) && Date.now() < killDeadline) await sleep(50);
  for (const node of nodes) removePid(node);
  return { pids, killed: stubborn.length > 0 };
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

export function fileSize(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}
