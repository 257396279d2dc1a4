import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, writeSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';

/** What the fixture reports on stdout every 100 ms. */
export interface Progress {
  readonly state: string;
  readonly recordsIn: number;
  readonly commits: number;
  /** Input records covered by the last commit this process finalized (0 before its first). */
  readonly committedRecords: number;
  readonly lag: Record<string, number>;
  readonly assigned: string[];
}

/** A running fixture process (crash-app.ts). */
export interface Fixture {
  readonly pid: number;
  /** The last progress line, if any came yet. */
  readonly progress: Progress | undefined;
  /** Set when the fixture reached its CRASH_KILL_AT point and killed itself. */
  readonly crashPoint: string | undefined;
  /** How the process ended: its exit code, or the signal that killed it. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal: NodeJS.Signals): void;
}

const APP = join(__dirname, 'crash-app.ts');

/**
 * Starts crash-app.ts in a process of its own: `node --conditions=@pipeline/source --import tsx`,
 * the way the apps' start scripts run TypeScript, but with node itself as the process (the tsx
 * binary would run the app in a child of its own, which a SIGKILL of the parent leaves running).
 * @example const fixture = startFixture({ CRASH_APPLICATION_ID: 'crash-app-1', ... }, logFd);
 */
export function startFixture(env: Record<string, string>, logFd: number): Fixture {
  const tsx = pathToFileURL(require.resolve('tsx')).href;
  const child: ChildProcess = spawn(process.execPath, ['--conditions=@pipeline/source', '--import', tsx, APP], {
    cwd: join(__dirname, '..', '..'),
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', logFd],
  });
  let progress: Progress | undefined;
  let crashPoint: string | undefined;
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (line.startsWith('progress ')) progress = JSON.parse(line.slice('progress '.length)) as Progress;
    else if (line.startsWith('crash-point ')) crashPoint = line.slice('crash-point '.length);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    pid: child.pid!,
    get progress() {
      return progress;
    },
    get crashPoint() {
      return crashPoint;
    },
    exited,
    kill: (signal) => void child.kill(signal),
  };
}

/** Starts fixtures of one case into one log file, and explains a failure with that log's end. */
export interface FixtureLauncher {
  /** Starts a fixture with the case's environment and `extra`, and adds it to the running set. */
  start(extra?: Record<string, string>): Fixture;
  /** Throws `error` again with the last 40 lines of the log. */
  explain(error: unknown): Promise<never>;
  close(): void;
}

/**
 * @example
 * const fixtures = fixtureLauncher(env, join(caseDir, 'fixture.log'), running);
 * const a = fixtures.start({ CRASH_INSTANCE_ID: 'a' });
 */
export function fixtureLauncher(env: Record<string, string>, logPath: string, running: Set<Fixture>): FixtureLauncher {
  const logFd = openSync(logPath, 'a');
  return {
    start(extra = {}) {
      writeSync(logFd, `--- start ${new Date().toISOString()} ${JSON.stringify(extra)}\n`);
      const fixture = startFixture({ ...env, ...extra }, logFd);
      running.add(fixture);
      return fixture;
    },
    async explain(error) {
      const log = (await readFile(logPath, 'utf8')).split('\n').slice(-40).join('\n');
      throw new Error(`${(error as Error).message}\n--- last lines of the fixture log (${logPath}):\n${log}`, { cause: error });
    },
    close: () => closeSync(logFd),
  };
}

/** Resolves with the process's end, or rejects after `timeoutMs`. */
export async function exitOf(fixture: Fixture, timeoutMs: number, what: string): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for the fixture (pid ${fixture.pid}) to ${what}`)), timeoutMs);
  });
  try {
    return await Promise.race([fixture.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** All partitions assigned, and none behind the end of its partition. */
export function drained(progress: Progress | undefined, partitions: number): boolean {
  if (progress === undefined || progress.state !== 'running' || progress.assigned.length !== partitions) return false;
  const lags = Object.values(progress.lag);
  return lags.length === partitions && lags.every((l) => l === 0);
}

/**
 * Several instances: between them they hold `partitions` partitions (input and repartition
 * topics), each once, all running, and none behind the end of any.
 */
export function drainedTogether(progresses: ReadonlyArray<Progress | undefined>, partitions: number): boolean {
  const assigned = new Set<string>();
  for (const p of progresses) {
    if (p === undefined || p.state !== 'running') return false;
    for (const id of p.assigned) {
      if (assigned.has(id)) return false;
      assigned.add(id);
    }
    if (p.assigned.some((id) => p.lag[id] !== 0)) return false;
  }
  return assigned.size === partitions;
}
