import fs from 'node:fs';
import { type NodeLayout } from './kafka/layout';
import { commandLine, findProcesses, isAlive, isKafkaBroker } from './process-utils';

// Pid files: one per broker, .stack/<cluster>/node-<id>/kafka.pid. A recorded pid counts as ours only if
// that process is still a Kafka broker started with this node's server.properties: after a reboot or a
// crash the number may belong to an unrelated process, which `stack down` must never signal.

export function readPid(node: NodeLayout): number | undefined {
  try {
    const pid = Number(fs.readFileSync(node.pidFile, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

export function writePid(node: NodeLayout, pid: number): void {
  fs.writeFileSync(node.pidFile, `${pid}\n`);
}

export function removePid(node: NodeLayout): void {
  fs.rmSync(node.pidFile, { force: true });
}

/** True if argv is a Kafka broker started with this configuration file. */
export function isBrokerOf(argv: string[], configFile: string): boolean {
  return isKafkaBroker(argv) && argv.includes(configFile);
}

/** The recorded pid, if that process is still this node's broker. */
function recordedPid(node: NodeLayout): number | undefined {
  const pid = readPid(node);
  if (pid === undefined || !isAlive(pid)) return undefined;
  const argv = commandLine(pid);
  // Without /proc (not Linux) trust the pid file: there is no cheap way to check.
  if (argv && !isBrokerOf(argv, node.configFile)) return undefined;
  return pid;
}

/**
 * Brokers of this node found through /proc, matched by the exact path of the node's server.properties,
 * so another checkout's brokers never match.
 */
function brokerProcesses(node: NodeLayout): number[] {
  return findProcesses((argv) => isBrokerOf(argv, node.configFile))
    .map((p) => p.pid)
    .filter(isAlive);
}

/**
 * The pid of this node's running broker, or undefined. Falls back to /proc when the pid file is missing
 * or stale, so a broker whose pid file was deleted is still seen (and stopped) as ours.
 */
export function livePid(node: NodeLayout): number | undefined {
  return recordedPid(node) ?? brokerProcesses(node)[0];
}

/** Every process that is this node's broker: normally one, more only after something went wrong. */
export function brokerPids(node: NodeLayout): number[] {
  const recorded = recordedPid(node);
  return [...new Set([...(recorded === undefined ? [] : [recorded]), ...brokerProcesses(node)])];
}
