import { ceilingRows, coresAtHalfCeiling, floorRows, memoryRows, pipelineRows, stagesRows } from '../src/rows';
import type { PipelineResult } from '../src/steps/full-pipeline';
import { bestCeiling, type CeilingResult } from '../src/steps/ceiling';
import type { MemoryResult } from '../src/steps/memory';
import type { StageFigure, StagesResult } from '../src/steps/stages';

const MB = 1024 * 1024;

function memoryResult(users: number, peakRss: number, withinTarget: boolean | undefined): MemoryResult {
  return {
    users,
    events: users * 2,
    preloadRate: 100_000,
    rate: 15_000,
    openSessions: users,
    sessionRows: users,
    maxActiveUsers: users,
    targetBytes: 500 * MB,
    withinTarget,
    pipeline: { peakRss, sampledPeakRss: peakRss, peakHeapUsed: peakRss / 2, peakStoreEntries: { sessions: users }, seconds: 10 } as unknown as MemoryResult['pipeline'],
  };
}

describe('memory rows', () => {
  it.each([
    [1_000_000, 1_259 * MB, false, 'peak RSS 1,259 MB (target < 500 MB: NOT met)'],
    [1_000_000, 480 * MB, true, 'peak RSS 480 MB (target < 500 MB: met)'],
    [100_000, 401 * MB, undefined, 'peak RSS 401 MB (the target, < 500 MB, is for 1,000,000 users)'],
  ])('%d users at %d bytes: says whether the target is met only at a million users', (users, rss, within, note) => {
    expect(memoryRows(memoryResult(users, rss, within))[0]!.note).toMatch(new RegExp(`^${note.replace(/[()]/g, '\\$&')};`));
  });
});

describe('ceiling rows and the pipeline ratio', () => {
  const result = (batchSize: number, defaultPrefetch: boolean, rate: number): CeilingResult => ({
    batchSize,
    defaultPrefetch,
    prefetch: { 'queued.min.messages': 20_000, 'queued.max.messages.kbytes': 16_384, 'fetch.queue.backoff.ms': 50, 'fetch.wait.max.ms': 100 },
    records: 1_000_000,
    startupSeconds: 0.2,
    seconds: 1_000_000 / rate,
    rate,
    batches: 100,
    bytes: 150_000_000,
  });

  it('names the prefetch and the runtime batch size, and compares the pipeline with the fastest', () => {
    const ceilings = [result(10_000, true, 170_000), result(10_000, false, 86_000), result(5_000, false, 85_000)];
    expect(ceilingRows(ceilings).map((r) => r.what)).toEqual([
      "raw KafkaConsumer, consume(10000), librdkafka's default prefetch",
      "raw KafkaConsumer, consume(10000), the runtime's prefetch",
      "raw KafkaConsumer, consume(5000), the runtime's prefetch (runtime batch size)",
    ]);
    expect(bestCeiling(ceilings)).toBe(170_000);
    expect(bestCeiling([])).toBeUndefined();
  });
});

describe('stage rows', () => {
  const stage = (name: string, ms: number, passesMs?: number[]): StageFigure => ({
    name,
    what: `${name} alone`,
    records: 1_000_000,
    ms,
    rate: 1e9 / ms,
    usPerEvent: ms / 1000,
    commits: 20,
    ...(passesMs ? { passesMs } : {}),
  });
  const result = (stages: StageFigure[]): StagesResult => ({ batchSize: 5_000, commitEvery: 50_000, stages, sinks: [], serialEstimate: { usPerEvent: 5, rate: 200_000 } });

  it('gives each stage over decode and, when it ran several passes, the passes its median comes from', () => {
    const rows = stagesRows(result([stage('decode', 3_000, [3_400, 3_000, 2_900]), stage('sessions', 7_500, [7_500, 9_100, 7_200])]));
    expect(rows[0]!.note).toBe('decode alone; median of 3 passes: 2.9, 3.0, 3.4 s');
    expect(rows[1]!.note).toBe('sessions alone; +4.50 µs over decode; median of 3 passes: 7.2, 7.5, 9.1 s');
  });

  it('says nothing of passes for a stage measured once', () => {
    expect(stagesRows(result([stage('decode', 3_000, [3_000])]))[0]!.note).toBe('decode alone');
  });
});

describe('the pipeline against the ceiling and the floor', () => {
  const run = (rate: number, cpuMicrosPerRecord: number, shape: PipelineResult['shape']): PipelineResult =>
    ({
      records: 1_000_000,
      shape,
      startupSeconds: 1,
      seconds: 1_000_000 / rate,
      rate,
      totalSeconds: 1_000_000 / rate + 1,
      rateWithStartup: rate,
      // The rate is over the reading and the final flush: the reading is half a second shorter.
      readSeconds: 1_000_000 / rate - 0.5,
      stopSeconds: 0.5,
      eventLoopBusy: 0.9,
      cpuMicrosPerRecord,
      commits: 40,
      sinks: { enrichedRecords: 999_900, deadLetters: 100 },
      complete: true,
    }) as unknown as PipelineResult;

  it('gives the cores half the ceiling would take at the CPU an event measured', () => {
    expect(coresAtHalfCeiling(32, 160_000)).toBeCloseTo(2.56, 10);
    expect(coresAtHalfCeiling(10, 100_000)).toBeCloseTo(0.5, 10);
  });

  it('puts the floor against the ceiling, and the whole pipeline against both', () => {
    expect(floorRows(run(80_000, 14, 'decode-to-enriched'), 160_000)[0]!.note).toMatch(/^50 % of the ceiling: /);
    const note = pipelineRows(run(40_000, 32, 'whole'), 160_000, run(80_000, 14, 'decode-to-enriched'))[0]!.note!;
    expect(note).toMatch(/^25 % of the ceiling \(target ≥ 50 %\); 50 % of its floor; /);
    expect(note).toMatch(/50 % of the ceiling would take 2\.6 cores for this process alone$/);
  });

  it("says where the machine's cores went while reading, and what half the ceiling would take of it", () => {
    const measured = { ...run(40_000, 32, 'whole'), machineCpu: { cores: 2, busy: 1.8, thisProcess: 1.28, mainThread: 0.7, mainThreadWaiting: 0.25, broker: 0.12, postgres: 0.2 } };
    // 1.8 cores over the 24.5 s of reading, for 1M events: 44.1 µs an event; at 80,000 events/s, 3.5 cores.
    expect(pipelineRows(measured, 160_000)[0]!.note).toMatch(
      /CPU 32\.0 µs an event; the machine: 1\.80 of 2 cores busy, 44\.1 µs an event \(this process 1\.28, its main thread 0\.70, waiting for a core 25 % of the time; the broker 0\.12; PostgreSQL 0\.20\); at this CPU an event, 50 % of the ceiling would take 2\.6 cores for this process alone, 3\.5 for the whole machine \(of its 2\)$/,
    );
    // 1.4 cores over 12 s: 16.8 µs an event; at 80,000 events/s, 1.3 cores. No broker or PostgreSQL found.
    const floor = { ...run(80_000, 14, 'decode-to-enriched'), machineCpu: { cores: 2, busy: 1.4, thisProcess: 1.2, mainThread: 0.9 } };
    expect(floorRows(floor, 160_000)[0]!.note).toMatch(
      /the machine: 1\.40 of 2 cores busy, 16\.8 µs an event \(this process 1\.20, its main thread 0\.90; the broker not found; PostgreSQL not found\); at this CPU an event, 50 % of the ceiling would take 1\.1 cores for this process alone, 1\.3 for the whole machine \(of its 2\)$/,
    );
    expect(pipelineRows(run(40_000, 32, 'whole'), 160_000)[0]!.note).not.toContain('the machine');
  });
});
