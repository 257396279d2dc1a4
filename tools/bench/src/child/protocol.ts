import type { PipelineTargets } from '../infra/scratch';

/** What the parent asks the pipeline child to do (JSON in argv[2]). */
export interface ChildTask {
  readonly targets: PipelineTargets;
  /** `drain`: stop once `expected` records are read. `live`: run until the parent sends `stop`. */
  readonly mode: 'drain' | 'live';
  readonly expected?: number;
  /** RSS sampling period. */
  readonly sampleMs: number;
}

/** A sample, sent every half second. */
export interface ChildProgress {
  readonly type: 'progress';
  readonly state: string;
  readonly recordsIn: number;
  /** Records behind the end of the input, summed over partitions. */
  readonly lag: number;
  readonly rss: number;
  readonly storeEntries: Record<string, number>;
}

export interface ChildResult {
  readonly type: 'result';
  /**
   * The peak resident set of the child's own process image, in bytes: the kernel's high-water mark
   * (VmHWM). Not `process.resourceUsage().maxRSS`: Linux carries that across fork and exec, so a
   * forked child starts with its parent's RSS at the fork (the bench parent holds the dataset).
   */
  readonly peakRss: number;
  /** The highest RSS the sampler saw (every `sampleMs`). */
  readonly sampledPeakRss: number;
  readonly peakHeapUsed: number;
  /** The JS heap V8 had reserved at its largest (RSS counts these pages, used or not). */
  readonly peakHeapTotal: number;
  readonly peakExternal: number;
  /** The sink thread's heap at its largest (its own V8 heap, beside the engine thread's), when there is one. */
  readonly sinkThreadHeapPeak?: number;
  /** Highest entry count seen per store (summed over tasks). */
  readonly peakStoreEntries: Record<string, number>;
  /** The most records the pipeline was behind the end of its input (sampled every 500 ms). */
  readonly peakLag: number;
  readonly recordsIn: number;
  readonly startupSeconds: number;
  /** From the first record read to `stop()` done. */
  readonly seconds: number;
  readonly commits: number;
  /**
   * The event loop's delay over the run (perf_hooks' monitorEventLoopDelay, ms): how long a timer
   * waited past its time, i.e. how long the loop was held by one piece of synchronous work. Every
   * record read during such a stall waits for it.
   */
  readonly loopDelay: { readonly p50: number; readonly p99: number; readonly max: number };
  readonly late: Record<string, number>;
  readonly deadLettered: number;
}

export interface ChildFailure {
  readonly type: 'error';
  readonly message: string;
}

export type ChildMessage = ChildProgress | ChildResult | ChildFailure;

export interface ParentMessage {
  readonly type: 'stop';
}
