import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../../logging/logger';
import type { PartitionOffset } from '../../runtime/record';
import type { CommitInfo, Sink, SinkContext, SinkRecord, SinkWriter } from '../sink';
import { packBatch } from './batch-codec';
import { fromThreadError, type SinkEvent, type SinkRequest, type SinkThreadData } from './protocol';

/** A function that makes a sink: what a sink thread's module exports. */
export type SinkFactory<A = never, T = never> = (args: A) => Sink<T> | Promise<Sink<T>>;

export interface SinkThreadOptions<F extends SinkFactory<never, never>> {
  /**
   * Absolute path of the module that makes the sink in the thread, e.g. `require.resolve('./lake-sink')`.
   * It is loaded in the thread, so it must import what the sink needs itself (clients, pools).
   */
  readonly module: string;
  /** The name of the module's export that makes the sink. */
  readonly factory: string;
  /** Handed to the factory in the thread: plain data that structured clone copies (no functions, no clients). */
  readonly args: Parameters<F>[0];
  /** Shown by `describe()` and in errors. Default: `<module file>#<factory>`. */
  readonly name?: string;
  /**
   * Node's flags for the thread. Default: this process's, as Node passes them on (so a process
   * started with `--import tsx` loads TypeScript modules in the thread too; V8's flags, such as
   * `--max-old-space-size`, are the process's anyway).
   */
  readonly execArgv?: readonly string[];
}

type SinkValue<F> = F extends SinkFactory<never, infer T> ? T : never;

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

/**
 * Runs a sink in a worker thread of its own, so that its encoding and I/O (Parquet files, SQL
 * statements) use another core than the engine's. The engine's calls keep their order and their
 * meaning: a flush resolves once the thread's sink has flushed everything written before it, so
 * nothing is committed that the sink does not hold durably. Records are copied to the thread
 * (structured clone, ~0.3 µs for a small object), which is the whole cost left on the engine's thread.
 *
 * The sink is made in the thread by a function of a module: pass the module's path, the export's
 * name and its arguments (plain data). A write that fails in the thread fails the next flush
 * (and every call after it), as a failed write does in process: the engine stops uncommitted.
 *
 * @example
 * // lake-sink.ts
 * export const lakeSink = (dir: string) => parquetSink({ dir, schema: ActivityEvent });
 * // topology
 * events.to(sinkThread<typeof lakeSink>({ module: require.resolve('./lake-sink'), factory: 'lakeSink', args: '/data/lake' }));
 */
export function sinkThread<F extends SinkFactory<never, never> = SinkFactory<unknown, unknown>>(options: SinkThreadOptions<F>): Sink<SinkValue<F>> {
  if (!options.module) throw new RangeError('sinkThread: module must be the path of the module that makes the sink');
  if (!options.factory) throw new RangeError('sinkThread: factory must name the export that makes the sink');
  const name = options.name ?? `${options.module.split(/[\\/]/).pop()}#${options.factory}`;
  return {
    kind: 'thread',
    target: name,
    open: (context) => openThread(options, name, context) as Promise<SinkWriter<SinkValue<F>>>,
  };
}

async function openThread(options: SinkThreadOptions<SinkFactory<never, never>>, name: string, context: SinkContext): Promise<SinkWriter<unknown>> {
  const data: SinkThreadData = { module: options.module, factory: options.factory, args: options.args, applicationId: context.applicationId, nodeName: context.nodeName };
  const worker = startWorker({ workerData: data, name: `sink ${name}`, ...(options.execArgv ? { execArgv: [...options.execArgv] } : {}) });
  const writer = new ThreadWriter(worker, name, context.logger);
  try {
    await writer.opened;
  } catch (error) {
    await worker.terminate();
    throw error;
  }
  return writer;
}

interface Pending {
  resolve(): void;
  reject(error: Error): void;
}

class ThreadWriter implements SinkWriter<unknown> {
  readonly opened: Promise<void>;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  /** Why the thread can no longer be used: a failed write, a crash, an exit. */
  private failure: Error | undefined;
  private closing = false;
  /** Records sent to the thread, and of those, the ones a completed flush made durable. */
  private sent = 0;
  private flushed = 0;

  constructor(
    private readonly worker: Worker,
    private readonly name: string,
    private readonly logger: Logger,
  ) {
    this.opened = new Promise<void>((resolve, reject) => {
      const onEvent = (event: SinkEvent) => {
        if (event.type === 'opened') {
          this.logger.debug('sink opened in its thread', { kind: event.kind, target: event.target, threadId: worker.threadId });
          resolve();
        } else if (event.type === 'broken' && this.failure === undefined) {
          reject(fromThreadError(event.error, `sink thread ${this.name}`));
        }
      };
      worker.on('message', onEvent);
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`sink thread ${this.name} exited with code ${code} before it opened`)));
    });
    this.opened.catch(() => undefined);
    worker.on('message', (event: SinkEvent) => this.onEvent(event));
    worker.on('error', (error) => this.fail(new Error(`sink thread ${this.name} crashed: ${error.message}`)));
    worker.on('exit', (code) => {
      if (!this.closing) this.fail(new Error(`sink thread ${this.name} exited with code ${code}`));
    });
  }

  get buffered(): number {
    return this.sent - this.flushed;
  }

  write(records: readonly SinkRecord<unknown>[]): void {
    if (this.failure) throw this.failure;
    const { batch, transfer } = packBatch(records);
    try {
      this.worker.postMessage({ type: 'write', batch } satisfies SinkRequest, transfer);
    } catch (error) {
      throw new Error(`sink thread ${this.name}: its records must be plain data that structured clone can copy: ${(error as Error).message}`);
    }
    this.sent += records.length;
  }

  async flush(commit: CommitInfo): Promise<void> {
    const upTo = this.sent;
    await this.request((id) => ({ type: 'flush', id, commit }));
    this.flushed = Math.max(this.flushed, upTo);
  }

  committed(commit: CommitInfo): Promise<void> {
    return this.request((id) => ({ type: 'committed', id, commit }));
  }

  recover(positions: readonly PartitionOffset[]): Promise<void> {
    return this.request((id) => ({ type: 'recover', id, positions }));
  }

  async close(): Promise<void> {
    // Whether the thread kept up: near 100 %, the sink is what holds the commits back.
    const use = this.worker.performance.eventLoopUtilization();
    this.logger.info('sink thread closing', { busy: Math.round(use.utilization * 1000) / 1000, seconds: Math.round(use.active + use.idle) / 1000 });
    try {
      if (this.failure === undefined) await this.request((id) => ({ type: 'close', id }));
    } finally {
      this.closing = true;
      await this.worker.terminate();
    }
  }

  private request(make: (id: number) => SinkRequest): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise<void>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage(make(id));
    });
  }

  private onEvent(event: SinkEvent): void {
    switch (event.type) {
      case 'log':
        this.logger[event.level](event.message, event.fields);
        return;
      case 'done':
        this.settle(event.id)?.resolve();
        return;
      case 'failed':
        this.settle(event.id)?.reject(fromThreadError(event.error, `sink thread ${this.name}`));
        return;
      case 'broken':
        this.fail(fromThreadError(event.error, `sink thread ${this.name}`));
        return;
      case 'opened':
        return;
    }
  }

  private settle(id: number): Pending | undefined {
    const pending = this.pending.get(id);
    this.pending.delete(id);
    return pending;
  }

  /** From now on every call fails with `error`, and so do the calls waiting for a reply. */
  private fail(error: Error): void {
    this.failure ??= error;
    for (const pending of this.pending.values()) pending.reject(this.failure);
    this.pending.clear();
  }
}
