import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { RolledFile, RollJob } from './roll-file';

/** A message to the roll thread. */
export interface RollRequest {
  readonly id: number;
  readonly job: RollJob;
}

/** The roll thread's answer to a request. */
export type RollReply =
  | { readonly id: number; readonly file: RolledFile }
  | { readonly id: number; readonly error: { readonly message: string; readonly stack?: string | undefined } };

interface Pending {
  resolve(file: RolledFile): void;
  reject(error: Error): void;
}

/**
 * Makes the Parquet files of rolls in a worker thread. Encoding a file of
 * 100,000 rows takes about half a second of CPU: on the event loop it stalled the whole engine
 * (records, timers, the other sinks' flushes) at every roll; in the thread it runs on a core the
 * engine leaves free, while the other sinks' flushes go on. The thread starts at the first roll;
 * it keeps the process alive only while a roll is in flight. If it dies, the rolls in flight
 * fail (so does the flush, and the engine stops and recovers) and the next roll starts a new one.
 *
 * @example
 * const thread = new RollThread();
 * const { temporary, first, last } = await thread.roll(job);
 * await thread.close();
 */
export class RollThread {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private closed = false;

  /** Makes the job's file, synced under its temporary name. */
  roll(job: RollJob): Promise<RolledFile> {
    if (this.closed) return Promise.reject(new Error('parquet sink: the roll thread is closed'));
    const worker = this.worker ?? this.start();
    const id = this.nextId++;
    return new Promise<RolledFile>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      if (this.pending.size === 1) worker.ref();
      worker.postMessage({ id, job } satisfies RollRequest);
    });
  }

  /** Stops the thread. Rolls still in flight fail. */
  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    if (worker === undefined) return;
    this.fail(worker, new Error('the writer closed'));
    await worker.terminate();
  }

  private start(): Worker {
    const worker = startRollWorker();
    worker.unref();
    worker.on('message', (reply: RollReply) => {
      const pending = this.pending.get(reply.id);
      if (pending === undefined) return;
      this.pending.delete(reply.id);
      if (this.pending.size === 0) worker.unref();
      if ('error' in reply) {
        const error = new Error(reply.error.message);
        if (reply.error.stack !== undefined) error.stack = reply.error.stack;
        pending.reject(error);
      } else {
        pending.resolve(reply.file);
      }
    });
    worker.on('error', (error) => this.fail(worker, error));
    worker.on('exit', (code) => this.fail(worker, new Error(`it exited with code ${code}`)));
    this.worker = worker;
    return worker;
  }

  private fail(worker: Worker, cause: unknown): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    const error = new Error('parquet sink: the roll thread failed, the rolls in flight with it', { cause });
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
  }
}

let shared: RollThread | undefined;

/**
 * The process's roll thread, shared by every parquet sink writer: one core's worth of encoding at
 * most, whatever the number of sinks, and a writer abandoned without `close()` (a rebalance that
 * failed, a test's simulated crash) leaves no thread behind.
 */
export function sharedRollThread(): RollThread {
  shared ??= new RollThread();
  return shared;
}

/**
 * Starts roll-worker next to this file: compiled JavaScript in the published package. Run from
 * the TypeScript sources (the tests, tsx), the worker registers tsx's CommonJS hook before it
 * loads the entry: a worker does not inherit the loader of the thread that starts it in time for
 * its own entry point (`--import tsx` in its execArgv fails with ERR_UNKNOWN_FILE_EXTENSION).
 */
function startRollWorker(): Worker {
  const extension = extname(__filename);
  const entry = join(__dirname, `roll-worker${extension}`);
  if (extension !== '.ts') return new Worker(entry);
  let tsx: string;
  try {
    tsx = require.resolve('tsx/cjs/api');
  } catch (error) {
    throw new Error('parquet sink: running @pipeline/streams from its TypeScript sources needs tsx for the roll thread (pnpm add -D tsx)', { cause: error });
  }
  return new Worker(`require(${JSON.stringify(tsx)}).register(); require(${JSON.stringify(entry)});`, { eval: true });
}
