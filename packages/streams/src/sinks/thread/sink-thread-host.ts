import { extname, join } from 'node:path';
import { Worker, type ResourceLimits } from 'node:worker_threads';
import type { Logger } from '../../logging/logger';
import { emitForwardedWarning } from '../../logging/process-warnings';
import type { SinkContext } from '../sink';
import { fromThreadError, type OpenedSink, type SinkCall, type SinkEvent, type SinkRequest, type ThreadedSinkSpec } from './protocol';
import { ThreadWriter } from './thread-writer';

/** The thread's entry point, beside this file (TypeScript under tsx, JavaScript once built). */
const ENTRY = join(__dirname, `sink-thread-main${extname(__filename)}`);

/**
 * Starts the entry point. Run from TypeScript sources (tsx, jest), the thread first registers
 * tsx's require hook itself: on Node 20, `--import tsx` does not reach a worker's entry module.
 */
function startWorker(options: ConstructorParameters<typeof Worker>[1]): Worker {
  if (extname(ENTRY) !== '.ts') return new Worker(ENTRY, options);
  const tsx = require.resolve('tsx/cjs', { paths: [process.cwd(), __dirname] });
  return new Worker(`require(${JSON.stringify(tsx)}); require(${JSON.stringify(ENTRY)});`, { ...options, eval: true });
}

export interface SinkThreadHostOptions {
  readonly name: string;
  readonly execArgv?: readonly string[];
  readonly resourceLimits?: ResourceLimits;
}

/** What a sink thread has done: see SinkThread.stats(). */
export interface SinkThreadStats {
  readonly name: string;
  /** It runs while one of its sinks is open. */
  readonly running: boolean;
  /** Sinks open in it. */
  readonly sinks: number;
  /** Seconds the thread has run its sinks' code (not waited): a counter over every start of the thread. */
  readonly busySeconds: number;
  /** Seconds the thread has been running: a counter over every start. busySeconds' rate over this one's is how busy it is. */
  readonly uptimeSeconds: number;
  /** Its heap (V8's total heap size), sampled every second; 0 when it is not running. */
  readonly heapBytes: number;
  readonly heapPeakBytes: number;
}

/** The share of the time between two readings the thread was busy (0-1); undefined if it did not run between them. */
export function busyShare(before: SinkThreadStats, after: SinkThreadStats): number | undefined {
  const elapsed = after.uptimeSeconds - before.uptimeSeconds;
  return elapsed > 0 ? (after.busySeconds - before.busySeconds) / elapsed : undefined;
}

interface Pending {
  /** The sink the call is for, to name it in an error. */
  readonly label: string;
  resolve(result: unknown): void;
  reject(error: Error): void;
}

/**
 * The engine's side of one sink thread: starts the worker when its first sink opens, stops it
 * when its last sink closes, pairs requests with their replies and hands each sink its events.
 * A worker that crashes or exits fails every sink it hosts.
 */
export class SinkThreadHost {
  private worker: Worker | undefined;
  private readonly writers = new Map<number, ThreadWriter>();
  private readonly pending = new Map<number, Pending>();
  private nextSink = 0;
  private nextRequest = 0;
  /** Why the current worker can no longer be used (a crash, an exit): every call fails with it. */
  private failure: Error | undefined;
  /** Workers being terminated: their exit is expected. */
  private readonly stopping = new WeakSet<Worker>();
  /** What the threads started so far have done, the running one included (see stats()). */
  private busyMs = 0;
  private runMs = 0;
  private heapBytes = 0;
  private heapPeakBytes = 0;

  constructor(private readonly options: SinkThreadHostOptions) {}

  async open(spec: ThreadedSinkSpec, label: string, context: SinkContext): Promise<ThreadWriter> {
    this.ensureWorker();
    const sink = this.nextSink++;
    const writer = new ThreadWriter(this, sink, label, context.logger);
    this.writers.set(sink, writer);
    try {
      const opened = (await this.request({ type: 'open', id: this.nextRequest++, sink, spec, applicationId: context.applicationId, nodeName: context.nodeName }, label)) as OpenedSink;
      context.logger.debug('sink opened in a sink thread', { thread: this.options.name, kind: opened.kind, target: opened.target });
      writer.offer(opened);
    } catch (error) {
      await this.release(sink, context.logger);
      throw error;
    }
    return writer;
  }

  /** Sends a request and resolves with its reply; `make` gets the request's id. */
  call(make: (id: number) => SinkCall, label: string): Promise<unknown> {
    return this.request(make(this.nextRequest++), label);
  }

  /** How an error of a sink in this thread is told: which sink, which thread. */
  context(label: string): string {
    return `sink ${label} in sink thread ${this.options.name}`;
  }

  /** Sends a message that gets no reply (a write); throws if the thread is gone. */
  post(message: SinkRequest, transfer: ArrayBuffer[]): void {
    if (this.failure) throw this.failure;
    this.worker!.postMessage(message, transfer);
  }

  /**
   * What the thread has done: its busy time (counters, over every thread this host has started;
   * their rate is the share of a core the sinks take, near 1 when they hold the commits back) and
   * its heap.
   */
  stats(): SinkThreadStats {
    const use = this.worker?.performance.eventLoopUtilization();
    return {
      name: this.options.name,
      running: this.worker !== undefined,
      sinks: this.writers.size,
      busySeconds: (this.busyMs + (use?.active ?? 0)) / 1000,
      uptimeSeconds: (this.runMs + (use ? use.active + use.idle : 0)) / 1000,
      heapBytes: this.worker === undefined ? 0 : this.heapBytes,
      heapPeakBytes: this.heapPeakBytes,
    };
  }

  /** A sink closed: the thread stops with its last one. */
  async release(sink: number, logger: Logger): Promise<void> {
    this.writers.delete(sink);
    const worker = this.worker;
    if (this.writers.size > 0 || worker === undefined) return;
    // Forgotten before it is terminated: a sink opened meanwhile starts a new thread.
    this.worker = undefined;
    this.stopping.add(worker);
    for (const pending of this.pending.values()) pending.reject(new Error(`sink thread ${this.options.name} stopped: its last sink closed`));
    this.pending.clear();
    // How busy the thread was (near 1: its sinks are what holds the commits back), and its memory.
    const use = worker.performance.eventLoopUtilization();
    this.busyMs += use.active;
    this.runMs += use.active + use.idle;
    logger.info('sink thread stopped', {
      thread: this.options.name,
      busy: Math.round(use.utilization * 1000) / 1000,
      seconds: Math.round(use.active + use.idle) / 1000,
      heapPeakMb: Math.round(this.heapPeakBytes / 2 ** 20),
    });
    await worker.terminate();
  }

  private request(message: SinkCall, label: string): Promise<unknown> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.pending.set(message.id, { label, resolve, reject });
      this.worker!.postMessage(message);
    });
  }

  private ensureWorker(): void {
    if (this.worker !== undefined) return;
    const { name, execArgv, resourceLimits } = this.options;
    const worker = startWorker({ name: `sink thread ${name}`, ...(execArgv ? { execArgv: [...execArgv] } : {}), ...(resourceLimits ? { resourceLimits } : {}) });
    this.worker = worker;
    this.failure = undefined;
    worker.on('message', (event: SinkEvent) => this.onEvent(worker, event));
    worker.on('error', (error) => this.fail(worker, new Error(`sink thread ${name} crashed: ${error.message}`)));
    worker.on('exit', (code) => {
      if (!this.stopping.has(worker)) this.fail(worker, new Error(`sink thread ${name} exited with code ${code}`));
    });
  }

  private onEvent(from: Worker, event: SinkEvent): void {
    switch (event.type) {
      case 'done':
        this.settle(event.id)?.resolve(event.result);
        return;
      case 'failed': {
        const pending = this.settle(event.id);
        pending?.reject(fromThreadError(event.error, this.context(pending.label)));
        return;
      }
      case 'broken': {
        const writer = this.writers.get(event.sink);
        writer?.fail(fromThreadError(event.error, this.context(writer.label)));
        return;
      }
      case 'log':
        this.writers.get(event.sink)?.log(event.level, event.message, event.fields);
        return;
      case 'warning':
        emitForwardedWarning(event, `sink thread ${this.options.name}`);
        return;
      case 'heap':
        // A stopping thread's last report is not the running one's heap.
        if (from !== this.worker) return;
        this.heapBytes = event.bytes;
        this.heapPeakBytes = Math.max(this.heapPeakBytes, event.bytes);
        return;
    }
  }

  private settle(id: number): Pending | undefined {
    const pending = this.pending.get(id);
    this.pending.delete(id);
    return pending;
  }

  /** The worker is gone: every call waiting for it fails, and so does every sink it hosts. */
  private fail(worker: Worker, error: Error): void {
    if (worker !== this.worker) return;
    this.failure ??= error;
    for (const pending of this.pending.values()) pending.reject(this.failure);
    this.pending.clear();
    for (const writer of this.writers.values()) writer.fail(this.failure);
  }
}
