import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { busyShare, type SinkThreadStats } from '@pipeline/streams';
import type { KafkaStreamsMetrics } from '@pipeline/streams/kafka';
import type { ScratchDatabase } from '@pipeline/stack/scratch-database';
import { collectGarbage } from '../collect-garbage';
import { topicSize } from '../infra/kafka';
import { startMachineCpu, type MachineCpu } from '../machine-cpu';
import { lakeSummary } from '../infra/lake';
import type { PipelineTargets } from '../infra/scratch';
import { startPipeline, waitForRecords, type PipelineShape } from '../pipeline';
import { allocationSites, formatAllocationSites, mapAllocationsToSources, startAllocationProfile, type AllocationSite } from '../allocation-profile';
import { formatSelfTimes, mapToSources, selfTimes, selfTimesByFile, startCpuProfile, type SelfTime } from '../profile';
import { log, startProgress } from '../progress';
import { perSecond } from '../stats';

export interface PipelineResult {
  readonly records: number;
  /** From `start()` to the first record read: connect, group join, restore, sinks opened. */
  readonly startupSeconds: number;
  /** From the first record read to `stop()` done (every sink flushed, offsets committed). */
  readonly seconds: number;
  /** Records per second over `seconds`. */
  readonly rate: number;
  /** From `start()` to `stop()` done. */
  readonly totalSeconds: number;
  readonly rateWithStartup: number;
  /** From the first record to the last one read; the rest of `seconds` is the final flush and commit. */
  readonly readSeconds: number;
  readonly stopSeconds: number;
  /**
   * While reading: the share of the time the event loop was running JavaScript rather than
   * waiting (V8's event-loop utilization). Near 1, the one thread is the limit; below, it waits
   * for the consumer's batches or for a commit.
   */
  readonly eventLoopBusy: number;
  /** While reading: the share of the time the sink thread (lake, user_sessions) was busy; absent with SINK_THREADS=off. */
  readonly sinkThreadBusy?: number;
  /** While reading: the process's CPU time (every thread: JavaScript, librdkafka, GC) per record. */
  readonly cpuMicrosPerRecord: number;
  /** While reading: the cores the machine, this process, the broker and PostgreSQL used (Linux). */
  readonly machineCpu?: MachineCpu;
  readonly commits: number;
  readonly metrics: KafkaStreamsMetrics;
  readonly shape: PipelineShape;
  /** What each sink holds afterwards (the lake and the tables only in the whole pipeline). */
  readonly sinks: {
    readonly enrichedRecords: number;
    readonly deadLetters: number;
    readonly lake?: { files: number; rows: number; bytes: number };
    readonly pageViewRows?: number;
    readonly activeUserRows?: number;
    readonly sessionRows?: number;
  };
  /** Every sink holds what it should: enriched (and, whole, lake) = valid events, dead letters = invalid records, page views written. */
  readonly complete: boolean;
  readonly profile?: { readonly file: string; readonly top: readonly SelfTime[]; readonly byFile: ReadonlyArray<{ file: string; ms: number; share: number }> };
  /** With `--heap-prof`: where the step's allocations (garbage included) come from. */
  readonly allocations?: { readonly file: string; readonly sampledBytes: number; readonly top: readonly AllocationSite[] };
}

/**
 * The whole activity pipeline (KafkaStreams, at-least-once, local state, every real sink) in this
 * process, draining the preloaded topic: timed until all input is read and `stop()` has flushed
 * every sink and committed, starting from a collected heap. With `shape: 'decode-to-enriched'`,
 * the floor (steps/floor.ts), the same way.
 */
export async function fullPipeline(
  targets: PipelineTargets,
  db: ScratchDatabase,
  expected: { records: number; valid: number; invalid: number },
  options: { profileDir?: string; heapProfileDir?: string; stamp: string; shape?: PipelineShape },
): Promise<PipelineResult> {
  const shape = options.shape ?? 'whole';
  collectGarbage();
  const stopProfile = options.profileDir ? await startCpuProfile() : undefined;
  const stopAllocationProfile = options.heapProfileDir ? await startAllocationProfile() : undefined;
  const started = process.hrtime.bigint();
  const pipeline = await startPipeline(targets, { shape });
  let first: bigint | undefined;
  let recordsIn = 0;
  const progress = startProgress({ label: shape === 'whole' ? 'full pipeline' : 'decode → enriched pipeline', read: () => recordsIn, total: expected.records });
  const sampler = setInterval(() => (recordsIn = pipeline.runtime.metrics().recordsIn), 250);
  let metrics: KafkaStreamsMetrics;
  let read: bigint;
  let loopAtFirst: ReturnType<typeof performance.eventLoopUtilization> | undefined;
  let cpuAtFirst: NodeJS.CpuUsage | undefined;
  let eventLoopBusy: number;
  let threadAtFirst: SinkThreadStats | undefined;
  let sinkThreadBusy: number | undefined;
  let cpu: NodeJS.CpuUsage;
  let machineCpuSinceFirst: (() => MachineCpu | undefined) | undefined;
  let machineCpu: MachineCpu | undefined;
  try {
    await waitForRecords(pipeline.runtime, expected.records, {
      onFirst: () => {
        first = process.hrtime.bigint();
        loopAtFirst = performance.eventLoopUtilization();
        cpuAtFirst = process.cpuUsage();
        machineCpuSinceFirst = startMachineCpu();
        threadAtFirst = pipeline.sinkThread?.stats();
      },
    });
    read = process.hrtime.bigint();
    eventLoopBusy = performance.eventLoopUtilization(loopAtFirst).utilization;
    const threadAtEnd = pipeline.sinkThread?.stats();
    if (threadAtFirst && threadAtEnd) sinkThreadBusy = busyShare(threadAtFirst, threadAtEnd);
    cpu = process.cpuUsage(cpuAtFirst);
    machineCpu = machineCpuSinceFirst?.();
    metrics = pipeline.runtime.metrics();
  } finally {
    clearInterval(sampler);
    recordsIn = pipeline.runtime.metrics().recordsIn;
    progress.stop();
    await pipeline.stop();
  }
  const stopped = process.hrtime.bigint();
  let profile: PipelineResult['profile'];
  if (stopProfile) {
    const cpuProfile = await stopProfile();
    mapToSources(cpuProfile);
    const file = join(options.profileDir!, `pipeline-${options.stamp}.cpuprofile`);
    writeFileSync(file, JSON.stringify(cpuProfile));
    const top = selfTimes(cpuProfile);
    profile = { file, top: top.slice(0, 40), byFile: selfTimesByFile(cpuProfile).slice(0, 25) };
    log(`CPU profile of the full pipeline: ${file}\n${formatSelfTimes(top, 20)}`);
  }

  let allocations: PipelineResult['allocations'];
  if (stopAllocationProfile) {
    const heap = await stopAllocationProfile();
    mapAllocationsToSources(heap);
    const file = join(options.heapProfileDir!, `pipeline-${options.stamp}.heapprofile`);
    writeFileSync(file, JSON.stringify(heap));
    const sites = allocationSites(heap);
    const sampledBytes = sites.reduce((sum, site) => sum + site.bytes, 0);
    allocations = { file, sampledBytes, top: sites.slice(0, 40) };
    log(`allocations of the full pipeline (sampled, garbage included): ${file}\n${formatAllocationSites(sites, 20, expected.records)}`);
  }

  const [enrichedRecords, deadLetters] = await Promise.all([topicSize(targets.enrichedTopic, 3), topicSize(targets.deadLetterTopic, 3)]);
  let sinks: PipelineResult['sinks'] = { enrichedRecords, deadLetters };
  let complete = enrichedRecords === expected.valid && deadLetters === expected.invalid;
  if (shape === 'whole') {
    const [lake, counts] = await Promise.all([
      lakeSummary(targets.lakeDir),
      db.query<{ pv: number; au: number; us: number }>(
        'SELECT (SELECT count(*) FROM page_view_counts) AS pv, (SELECT count(*) FROM active_users) AS au, (SELECT count(*) FROM user_sessions) AS us',
      ),
    ]);
    sinks = { ...sinks, lake, pageViewRows: counts[0]!.pv, activeUserRows: counts[0]!.au, sessionRows: counts[0]!.us };
    complete &&= lake.rows === expected.valid && counts[0]!.pv > 0;
  }
  if (!complete) log(`${shape} pipeline: the sinks do not hold what they should: ${JSON.stringify(sinks)} for ${JSON.stringify(expected)}`);
  const ms = Number(stopped - first!) / 1e6;
  const totalMs = Number(stopped - started) / 1e6;
  return {
    records: expected.records,
    shape,
    startupSeconds: Number(first! - started) / 1e9,
    seconds: ms / 1000,
    rate: perSecond(expected.records, ms),
    totalSeconds: totalMs / 1000,
    rateWithStartup: perSecond(expected.records, totalMs),
    readSeconds: Number(read! - first!) / 1e9,
    stopSeconds: Number(stopped - read!) / 1e9,
    eventLoopBusy: eventLoopBusy!,
    ...(sinkThreadBusy === undefined ? {} : { sinkThreadBusy }),
    cpuMicrosPerRecord: (cpu!.user + cpu!.system) / expected.records,
    ...(machineCpu === undefined ? {} : { machineCpu }),
    commits: metrics!.commits,
    metrics: metrics!,
    sinks,
    complete,
    ...(profile ? { profile } : {}),
    ...(allocations ? { allocations } : {}),
  };
}
