import { DEFAULT_BATCH_SIZE } from '@pipeline/streams/kafka';
import type { ChildResult } from './child/protocol';
import type { MachineCpu } from './machine-cpu';
import { int, latencySummary, mb, ms, percent, type Row } from './report';
import type { CeilingResult } from './steps/ceiling';
import type { PipelineResult } from './steps/full-pipeline';
import type { LatencyResult } from './steps/latency';
import type { MemoryResult } from './steps/memory';
import type { PreloadResult } from './steps/preload';
import type { StageFigure, StagesResult } from './steps/stages';

// Each step's result as lines of the table.

export function preloadRows(r: PreloadResult): Row[] {
  return [
    {
      step: 'preload',
      what: `produce to a fresh topic (${r.partitions} partitions)`,
      count: r.records,
      seconds: r.seconds,
      rate: r.rate,
      note: `${int(r.invalid)} invalid; ${mb(r.bytes)} of values; per partition ${r.perPartition.map(int).join(' / ')}`,
    },
  ];
}

export function ceilingRows(results: readonly CeilingResult[]): Row[] {
  return results.map((r) => ({
    step: 'ceiling',
    what: `raw KafkaConsumer, consume(${r.batchSize})${r.defaultPrefetch ? ", librdkafka's default prefetch" : ", the runtime's prefetch"}${r.batchSize === DEFAULT_BATCH_SIZE ? ' (runtime batch size)' : ''}`,
    count: r.records,
    seconds: r.seconds,
    rate: r.rate,
    usPerEvent: 1e6 / r.rate,
    note: `first record after ${r.startupSeconds.toFixed(1)} s (connect, group join); ${int(r.batches)} batches`,
  }));
}

/**
 * The whole machine's CPU an event over the reading (its busy cores × the reading's time ÷ the
 * events), on the same basis as the process's `cpuMicrosPerRecord`.
 */
export function machineMicrosPerRecord(r: PipelineResult, m: MachineCpu): number {
  return (m.busy * r.readSeconds * 1e6) / r.records;
}

/** "the machine: 1.75 of 2 cores busy, 42.2 µs an event (this process 1.39, its main thread 0.64, waiting for a core 29 % of the time; the broker 0.22; PostgreSQL 0.11)". */
export function formatMachineCpu(m: MachineCpu, microsPerRecord: number): string {
  const c = (n: number | undefined) => (n === undefined ? 'not found' : n.toFixed(2));
  return `the machine: ${c(m.busy)} of ${m.cores} cores busy, ${microsPerRecord.toFixed(1)} µs an event (this process ${c(m.thisProcess)}, its main thread ${c(m.mainThread)}${m.mainThreadWaiting === undefined ? '' : `, waiting for a core ${percent(m.mainThreadWaiting)} of the time`}; the broker ${c(m.broker)}; PostgreSQL ${c(m.postgres)})`;
}

/** "reading 29.2 s + final flush/commit 0.5 s; 52 commits; event loop busy 98 % …, CPU 39.4 µs an event; the machine: …". */
function runNotes(r: PipelineResult): string {
  const machine = r.machineCpu ? `; ${formatMachineCpu(r.machineCpu, machineMicrosPerRecord(r, r.machineCpu))}` : '';
  return `reading ${r.readSeconds.toFixed(1)} s + final flush/commit ${r.stopSeconds.toFixed(1)} s; ${r.commits} commits; event loop busy ${percent(r.eventLoopBusy)} of the reading${r.sinkThreadBusy === undefined ? '' : `, sink thread ${percent(r.sinkThreadBusy)}`}, CPU ${r.cpuMicrosPerRecord.toFixed(1)} µs an event${machine}`;
}

/**
 * The cores the pipeline's process alone would use at half the ceiling, at the CPU it spent an
 * event in this run: above the machine's cores, the target cannot be met by this work here.
 */
export function coresAtHalfCeiling(cpuMicrosPerRecord: number, ceiling: number): number {
  return (cpuMicrosPerRecord * ceiling) / 2 / 1e6;
}

/**
 * "; at this CPU an event, 50 % of the ceiling would take 2.9 cores for this process alone, 3.5 for
 * the whole machine (of its 2)": the CPU an event of the process, and of everything on the
 * machine, at half the ceiling's rate.
 */
function atHalfCeiling(r: PipelineResult, ceiling: number | undefined): string {
  if (!ceiling) return '';
  const m = r.machineCpu;
  const machine = m ? `, ${coresAtHalfCeiling(machineMicrosPerRecord(r, m), ceiling).toFixed(1)} for the whole machine (of its ${m.cores})` : '';
  return `; at this CPU an event, 50 % of the ceiling would take ${coresAtHalfCeiling(r.cpuMicrosPerRecord, ceiling).toFixed(1)} cores for this process alone${machine}`;
}

export function pipelineRows(r: PipelineResult, ceiling: number | undefined, floor?: PipelineResult): Row[] {
  const ratio = ceiling ? r.rate / ceiling : Number.NaN;
  const s = r.sinks;
  const ofFloor = floor ? `; ${percent(r.rate / floor.rate)} of its floor` : '';
  return [
    {
      step: 'pipeline',
      what: 'activity pipeline, every sink (first record → stop() done)',
      count: r.records,
      seconds: r.seconds,
      rate: r.rate,
      usPerEvent: 1e6 / r.rate,
      note: `${percent(ratio)} of the ceiling (target ≥ 50 %)${ofFloor}; ${runNotes(r)}${atHalfCeiling(r, ceiling)}`,
    },
    {
      step: 'pipeline',
      what: 'the same, start() → stop() done',
      count: r.records,
      seconds: r.totalSeconds,
      rate: r.rateWithStartup,
      note: `startup ${r.startupSeconds.toFixed(1)} s (connect, group join, sinks opened)`,
    },
    {
      step: 'pipeline',
      what: r.complete ? 'every sink complete' : 'SINKS INCOMPLETE',
      note: `enriched ${int(s.enrichedRecords)}, lake ${int(s.lake?.rows ?? 0)} rows in ${s.lake?.files ?? 0} files (${mb(s.lake?.bytes ?? 0)}), dead letters ${int(s.deadLetters)}, rows: page views ${int(s.pageViewRows ?? 0)}, active users ${int(s.activeUserRows ?? 0)}, sessions ${int(s.sessionRows ?? 0)}`,
    },
  ];
}

/** The decode → enriched run: the least every event costs the app, through the same runtime. */
export function floorRows(r: PipelineResult, ceiling: number | undefined): Row[] {
  const ratio = ceiling ? r.rate / ceiling : Number.NaN;
  return [
    {
      step: 'floor',
      what: 'decode → enriched topic only, same runtime, same enriched and dead-letter sinks (first record → stop() done)',
      count: r.records,
      seconds: r.seconds,
      rate: r.rate,
      usPerEvent: 1e6 / r.rate,
      note: `${percent(ratio)} of the ceiling: what the app's every event costs at least (no aggregation, lake or PostgreSQL); ${runNotes(r)}${atHalfCeiling(r, ceiling)}`,
    },
    {
      step: 'floor',
      what: r.complete ? 'enriched topic and dead letters complete' : 'SINKS INCOMPLETE',
      note: `enriched ${int(r.sinks.enrichedRecords)}, dead letters ${int(r.sinks.deadLetters)}`,
    },
  ];
}

/** "; median of 3 passes: 3.1, 3.4, 3.9 s" when a stage ran more than once. */
function passes(f: StageFigure): string {
  const ms = f.passesMs;
  if (ms === undefined || ms.length < 2) return '';
  return `; median of ${ms.length} passes: ${[...ms].sort((a, b) => a - b).map((m) => (m / 1000).toFixed(1)).join(', ')} s`;
}

export function stagesRows(r: StagesResult): Row[] {
  const decode = r.stages[0]!;
  const rows: Row[] = r.stages.map((f, i) => ({
    step: 'stage',
    what: f.name,
    count: f.records,
    seconds: f.ms / 1000,
    rate: f.rate,
    usPerEvent: f.usPerEvent,
    note: `${i === 0 ? f.what : `${f.what}; ${signed(f.usPerEvent - decode.usPerEvent)} µs over decode`}${passes(f)}`,
  }));
  rows.push({
    step: 'stage',
    what: 'whole topology + every sink, serially',
    rate: r.serialEstimate.rate,
    usPerEvent: r.serialEstimate.usPerEvent,
    note: 'sum of the whole topology and the sinks below: an estimate of one thread doing it all',
  });
  for (const f of r.sinks) {
    rows.push({
      step: 'sink',
      what: f.name,
      count: f.records,
      seconds: f.ms / 1000,
      rate: f.rate,
      usPerEvent: f.usPerEvent,
      note: `${int(f.rows ?? 0)} records written, ${int(f.rowsPerSecond ?? 0)}/s; time in the sink only`,
    });
  }
  return rows;
}

/** "p50 0.4 s in the first 5 s → 6.1 s in the last 5 s": whether the pipeline kept up. */
function trend(r: LatencyResult): string {
  const seconds = r.enrichedBySecond;
  if (seconds.length < 10) return '';
  const median = (slice: typeof seconds) => {
    const p50s = slice.map((s) => s.p50).sort((a, b) => a - b);
    return p50s[Math.floor(p50s.length / 2)]!;
  };
  return `; per-second p50 ${ms(median(seconds.slice(0, 5)))} in the first 5 s → ${ms(median(seconds.slice(-5)))} in the last 5 s`;
}

/** "event loop delay p99 31 ms, max 612 ms": the longest the loop was held by synchronous work. */
function loopStalls(p: ChildResult): string {
  return `event loop delay p99 ${ms(p.loopDelay.p99)}, max ${ms(p.loopDelay.max)}`;
}

export function latencyRows(r: LatencyResult): Row[] {
  const after = r.warmupSeconds > 0 ? `, after ${r.warmupSeconds} s of warm-up` : '';
  const rows: Row[] = [
    {
      step: 'latency',
      what: `live traffic, ${int(r.targetRate)} events/s asked`,
      count: r.produced,
      seconds: r.warmupSeconds + r.seconds,
      rate: r.achievedRate,
      note: `pipeline in a child process; its peak lag ${int(r.pipeline.peakLag)} records, peak RSS ${mb(r.pipeline.peakRss)}; ${loopStalls(r.pipeline)}`,
    },
    {
      step: 'latency',
      what: 'produced → row in PostgreSQL',
      count: r.toPostgres.count,
      unit: 'probes',
      note: `${latencySummary(r.toPostgres)}${after}; target p99 < 1 s; poll every ${r.pollMs} ms (+${ms(r.meanPollQueryMs)} per query); ${r.probes.seen}/${r.probes.sent} probes seen`,
    },
    {
      step: 'latency',
      what: 'produced → record on the enriched topic',
      count: r.toEnriched.count,
      note: `${latencySummary(r.toEnriched)}${after}${trend(r)}; ${int(r.enrichedReceived)} records read in all`,
    },
  ];
  if (r.warmupSeconds > 0) {
    rows.push({
      step: 'latency',
      what: `cold start: the first ${r.warmupSeconds} s of traffic`,
      count: r.coldToEnriched.count,
      note: `→ PostgreSQL p99 ${ms(r.coldToPostgres.p99)} (max ${ms(r.coldToPostgres.max)}, ${r.coldToPostgres.count} probes); → enriched topic p99 ${ms(r.coldToEnriched.p99)} (max ${ms(r.coldToEnriched.max)})`,
    });
  }
  return rows;
}

export function memoryRows(r: MemoryResult): Row[] {
  const p = r.pipeline;
  const stores = Object.entries(p.peakStoreEntries)
    .map(([name, n]) => `${name} ${int(n)}`)
    .join(', ');
  return [
    {
      step: 'memory',
      what: `peak RSS, ${int(r.users)} users with open sessions`,
      count: r.events,
      seconds: p.seconds,
      rate: r.rate,
      note: `peak RSS ${mb(p.peakRss)} (${r.withinTarget === undefined ? 'the target, < 500 MB, is for 1,000,000 users' : `target < 500 MB: ${r.withinTarget ? 'met' : 'NOT met'}`}); sampled peak ${mb(p.sampledPeakRss)}; JS heap used at most ${mb(p.peakHeapUsed)} of ${mb(p.peakHeapTotal)} reserved${p.sinkThreadHeapPeak === undefined ? '' : `, the sink thread's heap ${mb(p.sinkThreadHeapPeak)}`}; Buffers and external at most ${mb(p.peakExternal)}`,
    },
    {
      step: 'memory',
      what: 'state held at the peak',
      note: `open sessions ${int(r.openSessions)} (of ${int(r.sessionRows)} rows); users in the fullest 5-minute window ${int(r.maxActiveUsers)}; store entries: ${stores}`,
    },
  ];
}

/** +1.25 / −0.40 */
function signed(n: number): string {
  return `${n < 0 ? '−' : '+'}${Math.abs(n).toFixed(2)}`;
}
