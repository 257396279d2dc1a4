import type { ResourceLimits } from 'node:worker_threads';
import type { Sink, SinkWriter } from '../sink';
import { SinkThreadHost, type SinkThreadStats } from './sink-thread-host';

export { busyShare, type SinkThreadStats } from './sink-thread-host';

/** A function that makes a sink: what a threaded sink's module exports. */
export type SinkFactory<A = never, T = never> = (args: A) => Sink<T> | Promise<Sink<T>>;

export interface SinkThreadOptions {
  /** Names the thread in logs and errors. Default `sinks`. */
  readonly name?: string;
  /**
   * Node's flags for the thread. Default: this process's, as Node passes them on (so a process
   * started with `--import tsx` loads TypeScript modules in the thread too; V8's flags, such as
   * `--heap-growing-percent`, are the process's anyway).
   */
  readonly execArgv?: readonly string[];
  /** The thread's heap limits (Node's `resourceLimits` of a worker), e.g. a smaller young generation. Default: V8's. */
  readonly resourceLimits?: ResourceLimits;
}

export interface ThreadedSinkOptions<F extends SinkFactory<never, never>> {
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
}

/** A worker thread that runs sinks: `sink()` declares one that it runs. */
export interface SinkThread {
  readonly name: string;
  /** What it has done so far: busy time, heap (for metrics and logs). */
  stats(): SinkThreadStats;
  sink<F extends SinkFactory<never, never> = SinkFactory<unknown, never>>(options: ThreadedSinkOptions<F>): Sink<SinkValue<F>>;
}

type SinkValue<F> = F extends SinkFactory<never, infer T> ? T : never;

/**
 * A worker thread for sinks, so that their encoding and I/O (Parquet files, SQL statements) use
 * another core than the engine's. The engine's calls keep their order and their meaning: a flush
 * resolves once the sink in the thread has flushed everything written before it, so nothing is
 * committed that the sink does not hold durably. Records are copied to the thread in batches
 * (values by structured clone, times and origins in typed arrays that are moved): ~0.5 µs a record
 * on the engine's thread, which is all a threaded sink costs it.
 *
 * Each sink is made in the thread by a function of a module: pass the module's path, the export's
 * name and its arguments (plain data). The sink gets copies of the records, made when they are
 * written: plain objects, arrays, strings, numbers, Dates, Maps, typed arrays are copied as they
 * are; a class instance arrives as a plain object, a Buffer as a Uint8Array, and a function cannot
 * be copied (the write fails, naming the sink). A thread runs as many sinks as are declared on it (each
 * thread is a V8 heap of its own: ~25 MB when it loads TypeScript through tsx, more under load);
 * it starts when its first sink opens and stops when its last one closes. A write that fails in
 * the thread fails that sink's next call (the engine stops uncommitted), as a failed write does in
 * process; a thread that dies fails every sink it runs.
 *
 * @example
 * // lake-sink.ts, loaded in the thread
 * export const lakeSink = (dir: string) => parquetSink({ dir, schema: ActivityEvent });
 * // topology
 * const sinks = sinkThread({ name: 'sinks' });
 * events.to(sinks.sink<typeof lakeSink>({ module: require.resolve('./lake-sink'), factory: 'lakeSink', args: '/data/lake' }));
 */
export function sinkThread(options: SinkThreadOptions = {}): SinkThread {
  const name = options.name ?? 'sinks';
  const host = new SinkThreadHost({ ...options, name });
  return {
    name,
    stats: () => host.stats(),
    sink<F extends SinkFactory<never, never>>(sink: ThreadedSinkOptions<F>): Sink<SinkValue<F>> {
      if (!sink.module) throw new RangeError('sinkThread: module must be the path of the module that makes the sink');
      if (!sink.factory) throw new RangeError('sinkThread: factory must name the export that makes the sink');
      const label = sink.name ?? `${sink.module.split(/[\\/]/).pop()}#${sink.factory}`;
      return {
        kind: 'thread',
        target: label,
        open: (context) => host.open({ module: sink.module, factory: sink.factory, args: sink.args }, label, context) as Promise<SinkWriter<SinkValue<F>>>,
      };
    },
  };
}
