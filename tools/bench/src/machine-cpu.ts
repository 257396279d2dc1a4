import { readdirSync, readFileSync } from 'node:fs';
import { isBrokerCommandLine } from './infra/kafka';

// Where the machine's CPU went while a step ran: the whole machine, this process, the broker and
// PostgreSQL. The pipeline's own CPU an event says what it costs; this says whether the step was
// bound by its thread (cores left idle) or by the machine (every core busy, the broker and the
// database among them), which is what decides whether more threads or processes could help.
// Linux only: read from the cumulative counters in /proc at the step's start and end.

/** Average cores in use over the interval, by whom. */
export interface MachineCpu {
  readonly cores: number;
  /** The whole machine: cores minus its idle (and I/O-wait) share. */
  readonly busy: number;
  /** This process, every thread (the bench runs the pipeline steps in its own process). */
  readonly thisProcess: number;
  /** The processes running `kafka.Kafka`. */
  readonly broker: number;
  /** The processes named `postgres` (the server's, and a backend per connection). */
  readonly postgres: number;
}

type Group = 'thisProcess' | 'broker' | 'postgres';

/** A process's user + system jiffies since it started, and whose it is. */
export interface ProcessTicks {
  readonly group: Group;
  readonly ticks: number;
}

export interface CpuSnapshot {
  /** Jiffies of all CPUs since boot, busy and in all (/proc/stat's first line), and how many CPUs it sums. */
  readonly machine: { readonly busy: number; readonly total: number; readonly cores: number };
  /** Jiffies (user + system) of each process of interest, by pid. */
  readonly processes: ReadonlyMap<number, ProcessTicks>;
}

/** /proc/stat's `cpu` line: user nice system idle iowait irq softirq steal (guest time is inside user). */
export function parseMachineStat(text: string): CpuSnapshot['machine'] {
  const line = text.split('\n').find((l) => l.startsWith('cpu '));
  if (line === undefined) throw new Error('/proc/stat has no cpu line');
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1, 9).map(Number) as number[];
  const total = user! + nice! + system! + idle! + iowait! + irq! + softirq! + (steal ?? 0);
  const cores = text.split('\n').filter((l) => /^cpu\d+ /.test(l)).length;
  return { busy: total - idle! - iowait!, total, cores };
}

/** /proc/<pid>/stat: the command name and user + system jiffies (fields 14 and 15; the name may hold spaces). */
export function parseProcessStat(text: string): { comm: string; ticks: number } {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  const fields = text.slice(close + 2).split(' ');
  // fields[0] is field 3 (state): utime is field 14, stime field 15.
  return { comm: text.slice(open + 1, close), ticks: Number(fields[11]) + Number(fields[12]) };
}

/**
 * The average cores each group used between two snapshots. A process only in the second was
 * started meanwhile (a PostgreSQL backend for a new connection, say): all its time counts. One
 * that ended meanwhile is not seen at all.
 */
export function machineCpuBetween(start: CpuSnapshot, end: CpuSnapshot): MachineCpu {
  const { cores } = end.machine;
  const elapsedPerCore = (end.machine.total - start.machine.total) / cores;
  const used: Record<Group, number> = { thisProcess: 0, broker: 0, postgres: 0 };
  for (const [pid, p] of end.processes) {
    const before = start.processes.get(pid);
    if (before === undefined) used[p.group] += p.ticks;
    else if (before.group === p.group) used[p.group] += p.ticks - before.ticks;
  }
  const share = (jiffies: number) => (elapsedPerCore > 0 ? jiffies / elapsedPerCore : 0);
  return {
    cores,
    busy: share(end.machine.busy - start.machine.busy),
    thisProcess: share(used.thisProcess),
    broker: share(used.broker),
    postgres: share(used.postgres),
  };
}

function groupOf(pid: number, comm: string): Group | undefined {
  if (pid === process.pid) return 'thisProcess';
  if (comm === 'postgres') return 'postgres';
  if (comm === 'java') {
    try {
      if (isBrokerCommandLine(readFileSync(`/proc/${pid}/cmdline`, 'utf8'))) return 'broker';
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}

/** The counters now; undefined without /proc (not Linux). */
export function cpuSnapshot(): CpuSnapshot | undefined {
  let machine: CpuSnapshot['machine'];
  let pids: string[];
  try {
    machine = parseMachineStat(readFileSync('/proc/stat', 'utf8'));
    pids = readdirSync('/proc').filter((e) => /^\d+$/.test(e));
  } catch {
    return undefined;
  }
  const processes = new Map<number, ProcessTicks>();
  for (const entry of pids) {
    const pid = Number(entry);
    try {
      const { comm, ticks } = parseProcessStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
      const group = groupOf(pid, comm);
      if (group !== undefined) processes.set(pid, { group, ticks });
    } catch {
      // the process ended meanwhile
    }
  }
  return { machine, processes };
}

/** Starts measuring; the function it returns gives the cores used since (undefined without /proc). */
export function startMachineCpu(): () => MachineCpu | undefined {
  const start = cpuSnapshot();
  return () => {
    const end = cpuSnapshot();
    return start && end ? machineCpuBetween(start, end) : undefined;
  };
}

/** "the machine: 1.9 of 2 cores busy (this process 1.4, the broker 0.2, PostgreSQL 0.1)". */
export function formatMachineCpu(m: MachineCpu): string {
  const c = (n: number) => n.toFixed(2);
  return `the machine: ${c(m.busy)} of ${m.cores} cores busy (this process ${c(m.thisProcess)}, the broker ${c(m.broker)}, PostgreSQL ${c(m.postgres)})`;
}
