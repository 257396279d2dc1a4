import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { startPipeline } from '../pipeline';
import type { ChildMessage, ChildTask, ParentMessage } from './protocol';

// The activity pipeline in a process of its own (fresh heap, nothing else on its event loop), for
// the memory and latency steps. Started by child/run-child.ts with the task as JSON in argv[2];
// reports over the IPC channel.

/**
 * This process image's peak RSS in bytes: VmHWM from /proc/self/status, which starts afresh at exec.
 * Where there is no /proc, maxRSS, which may include the forking parent's memory (see ChildResult).
 */
function peakRssOfThisImage(): number {
  try {
    const kb = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    if (kb !== undefined) return Number(kb) * 1024;
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS * 1024;
}

/** Resolves once the message is handed to the channel (so disconnecting after it loses nothing). */
function send(message: ChildMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send || !process.connected) resolve();
    else process.send(message, undefined, {}, () => resolve());
  });
}

async function run(task: ChildTask): Promise<void> {
  let sampledPeakRss = 0;
  let peakHeap = 0;
  let peakHeapTotal = 0;
  let peakExternal = 0;
  const peakStores: Record<string, number> = {};
  let peakLag = 0;
  const sampleRss = () => {
    sampledPeakRss = Math.max(sampledPeakRss, process.memoryUsage.rss());
  };
  const sampleMemory = () => {
    const m = process.memoryUsage();
    sampledPeakRss = Math.max(sampledPeakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
    peakHeapTotal = Math.max(peakHeapTotal, m.heapTotal);
    peakExternal = Math.max(peakExternal, m.external + m.arrayBuffers);
  };
  const rssTimer = setInterval(sampleRss, task.sampleMs);
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });

  const started = process.hrtime.bigint();
  const pipeline = await startPipeline(task.targets);
  let first: bigint | undefined;
  let stopRequested = false;
  process.on('message', (m: ParentMessage) => {
    if (m.type === 'stop') stopRequested = true;
  });
  let last = pipeline.runtime.metrics();
  const report = setInterval(() => {
    sampleMemory();
    last = pipeline.runtime.metrics();
    for (const [store, n] of Object.entries(last.storeEntries)) peakStores[store] = Math.max(peakStores[store] ?? 0, n);
    const lag = Object.values(last.lag).reduce((a, b) => a + b, 0);
    peakLag = Math.max(peakLag, lag);
    void send({ type: 'progress', state: last.state, recordsIn: last.recordsIn, lag, rss: process.memoryUsage.rss(), storeEntries: last.storeEntries });
  }, 500);
  try {
    for (;;) {
      const m = pipeline.runtime.metrics();
      if (m.state === 'failed') throw new Error('the pipeline failed (see its log above)');
      if (first === undefined && m.recordsIn > 0) {
        first = process.hrtime.bigint();
        loopDelay.enable();
      }
      if (task.mode === 'drain' && m.recordsIn >= (task.expected ?? 0)) break;
      if (stopRequested) break;
      // Every poll reads the runtime's metrics on the pipeline's own thread (store sizes, watermark
      // offsets): at 20 ms, ~3 % of that thread in a profile of the latency step.
      await new Promise((r) => setTimeout(r, 100));
    }
    sampleMemory();
    last = pipeline.runtime.metrics();
    for (const [store, n] of Object.entries(last.storeEntries)) peakStores[store] = Math.max(peakStores[store] ?? 0, n);
  } finally {
    clearInterval(report);
    await pipeline.stop();
  }
  const stopped = process.hrtime.bigint();
  const sinkThreadHeapPeak = pipeline.sinkThread?.stats().heapPeakBytes;
  loopDelay.disable();
  sampleMemory();
  clearInterval(rssTimer);
  first ??= stopped;
  await send({
    type: 'result',
    peakRss: peakRssOfThisImage(),
    sampledPeakRss,
    peakHeapUsed: peakHeap,
    peakHeapTotal,
    peakExternal,
    ...(sinkThreadHeapPeak === undefined ? {} : { sinkThreadHeapPeak }),
    peakStoreEntries: peakStores,
    peakLag,
    recordsIn: last.recordsIn,
    startupSeconds: Number(first - started) / 1e9,
    seconds: Number(stopped - first) / 1e9,
    commits: last.commits,
    loopDelay: { p50: loopDelay.percentile(50) / 1e6, p99: loopDelay.percentile(99) / 1e6, max: loopDelay.max / 1e6 },
    late: last.late,
    deadLettered: last.deadLettered,
  });
}

let finished = false;
// The parent went away (killed, crashed): do not outlive it.
process.on('disconnect', () => {
  if (!finished) process.exit(1);
});

run(JSON.parse(process.argv[2]!) as ChildTask).then(
  () => {
    finished = true;
    process.disconnect?.();
  },
  async (error: unknown) => {
    await send({ type: 'error', message: (error as Error).stack ?? String(error) });
    finished = true;
    process.exitCode = 1;
    process.disconnect?.();
  },
);
