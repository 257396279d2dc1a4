import { spawn } from 'node:child_process';
import fs from 'node:fs';

// Small process helpers shared by the Maven and Kafka modules, and by the bench (`@pipeline/stack/processes`).

export interface RunResult {
  code: number;
  output: string;
}

/** Runs a command to completion, capturing stdout and stderr together (for error messages). */
export function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', (err: NodeJS.ErrnoException) => {
      reject(err.code === 'ENOENT' ? new Error(`\`${cmd}\` was not found on PATH`) : err);
    });
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: it exists but belongs to someone else, which still means "alive".
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A child that exited but was not reaped yet (a zombie, state Z) still answers signal 0.
  const stat = readProcessStat(pid);
  return stat === undefined || stat.state !== 'Z';
}

/** What /proc/<pid>/stat says of a process (or of a thread: /proc/<pid>/task/<tid>/stat). */
export interface ProcessStat {
  /** The executable's name, as the kernel keeps it (15 characters at most). */
  readonly comm: string;
  /** R running, S sleeping, Z zombie, … */
  readonly state: string;
  /** CPU time in user and system mode since it started, in clock ticks (all its threads for a process). */
  readonly ticks: number;
  /** When it started, in clock ticks since boot: tells a process from a later one with the same pid. */
  readonly startTime: number;
}

/** Parses a stat line; undefined if it is not one. */
export function parseProcessStat(text: string): ProcessStat | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  // The name may hold spaces and parentheses: fields are counted after its last ')'. fields[0] is
  // field 3 (state); utime, stime and starttime are fields 14, 15 and 22 (proc(5)).
  const fields = text.slice(close + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  const startTime = Number(fields[19]);
  if (!fields[0] || !Number.isFinite(ticks) || !Number.isFinite(startTime)) return undefined;
  return { comm: text.slice(open + 1, close), state: fields[0], ticks, startTime };
}

/** A process's stat, or with `tid` one of its threads'; undefined if gone or not Linux. */
export function readProcessStat(pid: number, tid?: number): ProcessStat | undefined {
  try {
    return parseProcessStat(fs.readFileSync(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** The main class a Kafka broker's JVM runs: what tells its command line from other java processes. */
export const KAFKA_MAIN_CLASS = 'kafka.Kafka';

/** True if a command line (as `commandLine` gives it) is a Kafka broker's. */
export function isKafkaBroker(argv: readonly string[]): boolean {
  return argv.includes(KAFKA_MAIN_CLASS);
}

/** The command line of a process, or undefined if it is gone (Linux /proc; elsewhere undefined). */
export function commandLine(pid: number): string[] | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return undefined;
  }
}

/** The pids of every process now, from /proc (Linux); undefined without /proc. */
export function processIds(): number[] | undefined {
  try {
    return fs
      .readdirSync('/proc')
      .filter((entry) => /^\d+$/.test(entry))
      .map(Number);
  } catch {
    return undefined;
  }
}

/** Every process whose command line matches, found through /proc (Linux). */
export function findProcesses(match: (argv: string[]) => boolean): { pid: number; argv: string[] }[] {
  const found: { pid: number; argv: string[] }[] = [];
  for (const pid of processIds() ?? []) {
    const argv = commandLine(pid);
    if (argv && match(argv)) found.push({ pid, argv });
  }
  return found;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function lastLines(text: string, n: number): string {
  return text.trimEnd().split('\n').slice(-n).join('\n');
}
