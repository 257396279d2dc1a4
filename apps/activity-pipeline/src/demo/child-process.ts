import { spawn, type ChildProcess } from 'node:child_process';

/** A child process whose output is prefixed and whose exit can be awaited. */
export interface Child {
  readonly process: ChildProcess;
  readonly exited: Promise<number>;
  stop(signal?: NodeJS.Signals): Promise<number>;
}

export function startChild(label: string, command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv; quiet?: boolean }): Child {
  const child = spawn(command, args, { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const forward = (stream: NodeJS.ReadableStream | null) =>
    stream?.on('data', (chunk: Buffer) => {
      if (options.quiet) return;
      for (const line of chunk.toString().split('\n')) if (line.trim()) process.stderr.write(`  ${label} │ ${line}\n`);
    });
  forward(child.stdout);
  forward(child.stderr);
  const exited = new Promise<number>((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1))));
  return {
    process: child,
    exited,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Runs a command to completion; resolves with its exit code. */
export function run(command: string, args: string[], cwd: string, quiet = false): Promise<number> {
  return startChild(command, command, args, { cwd, quiet }).exited;
}
