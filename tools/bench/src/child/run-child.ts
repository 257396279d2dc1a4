import { fork } from 'node:child_process';
import { join } from 'node:path';
import type { ChildMessage, ChildProgress, ChildResult, ChildTask, ParentMessage } from './protocol';

/** A pipeline child process: its progress, its result, and a way to ask it to stop. */
export interface PipelineChild {
  readonly latest: () => ChildProgress | undefined;
  readonly result: Promise<ChildResult>;
  /** Resolves once the pipeline has its partitions and processes (state `running`). */
  running(timeoutMs?: number): Promise<void>;
  stop(): void;
  kill(): void;
}

/**
 * Forks child/pipeline-child.ts with this process's loader flags (tsx, the source condition), so
 * the child runs the same TypeScript sources, and with its environment (MALLOC_ARENA_MAX from the
 * start script among it); its logs go to this process's stderr.
 */
export function startPipelineChild(task: ChildTask): PipelineChild {
  const child = fork(join(__dirname, 'pipeline-child.ts'), [JSON.stringify(task)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let latest: ChildProgress | undefined;
  const result = new Promise<ChildResult>((resolve, reject) => {
    child.on('message', (m: ChildMessage) => {
      if (m.type === 'progress') latest = m;
      else if (m.type === 'result') resolve(m);
      else reject(new Error(`pipeline child: ${m.message}`));
    });
    child.on('exit', (code, signal) => {
      const at = latest ? ` after ${latest.recordsIn} records, at ${Math.round(latest.rss / 1024 / 1024)} MB RSS` : '';
      reject(new Error(`the pipeline child process exited (${signal ?? `code ${code}`})${at} before its result`));
    });
    child.on('error', reject);
  });
  result.catch(() => undefined);
  return {
    latest: () => latest,
    result,
    async running(timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      while (latest?.state !== 'running') {
        if (Date.now() > deadline) throw new Error(`pipeline child not running after ${timeoutMs} ms (state ${latest?.state ?? 'unknown'})`);
        if (child.exitCode !== null) throw new Error(`pipeline child exited with ${child.exitCode}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    stop: () => {
      if (child.connected) child.send({ type: 'stop' } satisfies ParentMessage);
    },
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}
