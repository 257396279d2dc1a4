import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { scriptCommand } from '../../../src/script-command';

const APP_DIR = resolve(__dirname, '../../..');

/** One line of the app's JSON log (LOG_FORMAT=json). */
export interface LogLine {
  readonly level: string;
  readonly message: string;
  readonly [field: string]: unknown;
}

export interface AppProcess {
  /** Where its /metrics and /health answer (HTTP_PORT=0: the port it bound). */
  readonly baseUrl: string;
  /** Every log line so far, parsed. */
  readonly logs: LogLine[];
  /** Everything it wrote, for a failure message. */
  output(): string;
  /** Sends SIGTERM and resolves with the exit code. */
  stop(timeoutMs?: number): Promise<number | null>;
  /** Stops it if it still runs (cleanup after a failure): SIGTERM, then SIGKILL after 10 s. */
  kill(): Promise<void>;
}

/**
 * Starts the app the way `pnpm --filter activity-pipeline start` does, with the command of its
 * `start` script. Resolves once it logged the port of its HTTP server.
 */
export async function startApp(env: Record<string, string>, timeoutMs = 30_000): Promise<AppProcess> {
  const child = spawnScript('start', { ...env, LOG_FORMAT: 'json' });
  const logs: LogLine[] = [];
  let raw = '';
  let pending = '';
  const onData = (chunk: Buffer) => {
    raw += chunk.toString('utf8');
    pending += chunk.toString('utf8');
    const lines = pending.split('\n');
    pending = lines.pop()!;
    for (const line of lines) {
      try {
        logs.push(JSON.parse(line) as LogLine);
      } catch {
        // not a log line (a stack trace, tsx's own output): kept in `raw`
      }
    }
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));

  const port = await new Promise<number>((resolvePort, reject) => {
    const timer = setTimeout(() => reject(new Error(`the app did not start its HTTP server in ${timeoutMs} ms:\n${raw}`)), timeoutMs);
    const poll = setInterval(() => {
      const line = logs.find((l) => l.message === 'serving /metrics and /health');
      if (line) {
        clearInterval(poll);
        clearTimeout(timer);
        resolvePort(line.port as number);
      }
    }, 50);
    void exited.then((code) => {
      clearInterval(poll);
      clearTimeout(timer);
      reject(new Error(`the app exited with code ${code} before serving HTTP:\n${raw}`));
    });
  });

  return {
    baseUrl: `http://127.0.0.1:${port}`,
    logs,
    output: () => raw,
    async stop(stopTimeoutMs = 20_000) {
      const code = await terminate(child, exited, stopTimeoutMs);
      if (code === 'killed') throw new Error(`the app did not stop within ${stopTimeoutMs} ms of SIGTERM:\n${raw}`);
      return code;
    },
    kill: async () => {
      await terminate(child, exited, 10_000);
    },
  };
}

/**
 * SIGTERM, and SIGKILL if that did not stop it in time. SIGTERM first also in cleanups: tsx runs
 * the app in a child process of its own and relays SIGTERM to it, but nobody relays a SIGKILL.
 */
async function terminate(child: ChildProcess, exited: Promise<number | null>, timeoutMs: number): Promise<number | null | 'killed'> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  child.kill('SIGTERM');
  const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), timeoutMs).unref());
  const result = await Promise.race([exited, timeout]);
  if (result !== 'timeout') return result;
  child.kill('SIGKILL');
  return 'killed';
}

/**
 * Runs a script of the app's package.json with its own command (`exec node …` with this Node and
 * the script's flags, or a binary such as tsx from the app's node_modules), so pnpm is not in
 * between for signals. Only PATH and HOME of this process's environment pass: the
 * app's settings come from `env` alone (a `.env` file in the app's folder would still be read).
 */
export function spawnScript(name: string, env: Record<string, string>, args: readonly string[] = []): ChildProcess {
  const { command, args: scriptArgs, env: scriptEnv } = scriptCommand(APP_DIR, name, env);
  return spawn(command, [...scriptArgs, ...args], {
    cwd: APP_DIR,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...scriptEnv, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/**
 * Runs a script to its end: its exit code and everything it wrote. With `limitMs`, a script still
 * running then is killed (code null), so a test of a start that must fail fast fails, rather than
 * leaving a hung process behind.
 */
export async function runScript(
  name: string,
  env: Record<string, string>,
  args: readonly string[] = [],
  limitMs?: number,
): Promise<{ code: number | null; output: string }> {
  const child = spawnScript(name, env, args);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const limit = limitMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), limitMs);
  const code = await new Promise<number | null>((resolveExit) => child.once('close', (c) => resolveExit(c)));
  clearTimeout(limit);
  return { code, output };
}

/** A port nothing listens on now (the OS picks it). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolveListen) => server.listen(0, '127.0.0.1', resolveListen));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolveClose) => server.close(() => resolveClose()));
  return port;
}
