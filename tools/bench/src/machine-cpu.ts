import { readFileSync } from 'node:fs';
import { commandLine, isKafkaBroker, processIds, readProcessStat, type ProcessStat } from '@pipeline/stack/processes';

// Where the machine's CPU went while a step ran: the whole machine, this process and its main
// thread (the engine's, in the steps that run the pipeline here), the broker and PostgreSQL. The
// pipeline's CPU an event says what it costs; this says whether a step was bound by its thread
// (cores idle while it ran) or by the machine (every core busy, the broker and the database among
// them), which decides whether more threads or processes could help.
// Linux only: read from the cumulative counters in /proc at the step's start and end.

/** Average cores in use over the interval, by whom. */
export interface MachineCpu {
  /** The CPUs /proc/stat counts (the host's, not a cgroup's quota). */
  readonly cores: number;
  /** Everything on the machine, the kernel included: cores minus idle, I/O wait and steal. */
  readonly busy: number;
  /** This process, every thread. */
  readonly thisProcess: number;
  /** This process's main thread: where the bench runs the pipeline's engine. */
  readonly mainThread: number;
  /**
   * The share of the time the main thread was ready to run but waited for a core (the scheduler's
   * run-queue delay): the machine's cores, not the thread's own work, held it back that long.
   * Undefined where the kernel keeps no schedstat.
   */
  readonly mainThreadWaiting?: number;
  /** The processes running a Kafka broker; undefined if none was found (a remote broker, say). */
  readonly broker?: number;
  /** The processes named `postgres` (the server's, and a backend per connection); undefined if none was found. */
  readonly postgres?: number;
}

type ProcessGroup = 'thisProcess' | 'broker' | 'postgres';

/** A process of interest: its group, and its CPU ticks and start as /proc/<pid>/stat gives them. */
export interface GroupedProcess {
  readonly group: ProcessGroup;
  readonly ticks: number;
  readonly startTime: number;
}

export interface CpuSnapshot {
  /** Clock ticks of all CPUs since boot, busy and in all (/proc/stat's first line), and how many CPUs it sums. */
  readonly machine: MachineTicks;
  /** Clock ticks of this process's main thread. */
  readonly mainThreadTicks: number;
  /** Nanoseconds the main thread has waited for a core (/proc/<pid>/task/<tid>/schedstat), and when that was read. */
  readonly mainThreadWait?: { readonly waitedNs: number; readonly atNs: bigint };
  readonly processes: ReadonlyMap<number, GroupedProcess>;
  /** The latest start of any process seen: one with a later start began after this snapshot. */
  readonly newestStart: number;
}

export interface MachineTicks {
  readonly busy: number;
  readonly total: number;
  readonly cores: number;
}

/**
 * /proc/stat's `cpu` line: user nice system idle iowait irq softirq steal guest guest_nice. Guest
 * time is already inside user and nice. Steal (CPU a hypervisor gave elsewhere) passes as time
 * but is nobody's work here, so it is not busy. Undefined if the text has no CPU.
 */
export function parseMachineStat(text: string): MachineTicks | undefined {
  const lines = text.split('\n');
  const line = lines.find((l) => l.startsWith('cpu '));
  const cores = lines.filter((l) => /^cpu\d+ /.test(l)).length;
  if (line === undefined || cores === 0) return undefined;
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1, 9).map(Number) as number[];
  const total = user! + nice! + system! + idle! + iowait! + irq! + softirq! + (steal ?? 0);
  if (!Number.isFinite(total)) return undefined;
  return { busy: total - idle! - iowait! - (steal ?? 0), total, cores };
}

/**
 * The average cores each group used between two snapshots. A process in both counts its
 * difference; one that started after the first counts all its time (a PostgreSQL backend for a
 * new connection, say); one that ended meanwhile is not seen at all.
 */
export function machineCpuBetween(start: CpuSnapshot, end: CpuSnapshot): MachineCpu {
  const { cores } = end.machine;
  const elapsedPerCore = (end.machine.total - start.machine.total) / cores;
  const used: Record<ProcessGroup, number> = { thisProcess: 0, broker: 0, postgres: 0 };
  const found = new Set<ProcessGroup>();
  for (const [pid, p] of end.processes) {
    found.add(p.group);
    const before = start.processes.get(pid);
    if (before !== undefined && before.startTime === p.startTime && before.group === p.group) used[p.group] += p.ticks - before.ticks;
    // Strictly later: one started in the same clock tick as the newest at the first read is left out.
    else if (p.startTime > start.newestStart) used[p.group] += p.ticks;
  }
  const share = (ticks: number) => (elapsedPerCore > 0 ? ticks / elapsedPerCore : 0);
  const [w0, w1] = [start.mainThreadWait, end.mainThreadWait];
  const waitedOver = w0 && w1 ? Number(w1.atNs - w0.atNs) : 0;
  return {
    cores,
    busy: share(end.machine.busy - start.machine.busy),
    thisProcess: share(used.thisProcess),
    mainThread: share(end.mainThreadTicks - start.mainThreadTicks),
    ...(waitedOver > 0 ? { mainThreadWaiting: (w1!.waitedNs - w0!.waitedNs) / waitedOver } : {}),
    ...(found.has('broker') ? { broker: share(used.broker) } : {}),
    ...(found.has('postgres') ? { postgres: share(used.postgres) } : {}),
  };
}

function groupOf(pid: number, stat: ProcessStat): ProcessGroup | undefined {
  if (pid === process.pid) return 'thisProcess';
  if (stat.comm === 'postgres') return 'postgres';
  if (stat.comm === 'java' && isKafkaBroker(commandLine(pid) ?? [])) return 'broker';
  return undefined;
}

/** The counters now; undefined without /proc (not Linux). */
export function cpuSnapshot(): CpuSnapshot | undefined {
  let machine: MachineTicks | undefined;
  try {
    machine = parseMachineStat(readFileSync('/proc/stat', 'utf8'));
  } catch {
    return undefined;
  }
  // The main thread's id is the process's.
  const mainThread = readProcessStat(process.pid, process.pid);
  const pids = processIds();
  if (machine === undefined || mainThread === undefined || pids === undefined) return undefined;
  const processes = new Map<number, GroupedProcess>();
  let newestStart = 0;
  for (const pid of pids) {
    const stat = readProcessStat(pid);
    if (stat === undefined) continue; // ended meanwhile
    newestStart = Math.max(newestStart, stat.startTime);
    const group = groupOf(pid, stat);
    if (group !== undefined) processes.set(pid, { group, ticks: stat.ticks, startTime: stat.startTime });
  }
  const mainThreadWait = readWaited(`/proc/${process.pid}/task/${process.pid}/schedstat`);
  return { machine, mainThreadTicks: mainThread.ticks, ...(mainThreadWait ? { mainThreadWait } : {}), processes, newestStart };
}

/**
 * schedstat: time on a CPU, time waiting on a run queue (both ns), timeslices. Undefined if absent,
 * or all zeros: a kernel with schedstats switched off writes `0 0 0`.
 */
export function parseWaitedNs(text: string): number | undefined {
  const [onCpu, waited] = text.trim().split(' ').map(Number);
  return Number.isFinite(waited) && onCpu! > 0 ? waited : undefined;
}

function readWaited(path: string): CpuSnapshot['mainThreadWait'] {
  try {
    const waitedNs = parseWaitedNs(readFileSync(path, 'utf8'));
    return waitedNs === undefined ? undefined : { waitedNs, atNs: process.hrtime.bigint() };
  } catch {
    return undefined;
  }
}

/** Starts measuring; the function it returns gives the cores used since (undefined without /proc). */
export function startMachineCpu(): () => MachineCpu | undefined {
  const start = cpuSnapshot();
  return () => {
    const end = cpuSnapshot();
    return start && end ? machineCpuBetween(start, end) : undefined;
  };
}
