import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { Dataset, mainDatasetSpec } from './dataset';
import { describeEnvironment, type Environment } from './environment';
import { Scratch } from './infra/scratch';
import { parseOptions, type BenchOptions, type Step } from './options';
import { userPath } from './paths';
import { formatAllocationSites } from './allocation-profile';
import { formatSelfTimes } from './profile';
import { log } from './progress';
import { renderTable, seconds, type Row } from './report';
import { ceilingRows, floorRows, latencyRows, memoryRows, pipelineRows, preloadRows, stagesRows } from './rows';
import { bestCeiling, ceiling, type CeilingResult } from './steps/ceiling';
import { DEFAULT_BATCH_SIZE } from '@pipeline/streams/kafka';
import { floor } from './steps/floor';
import { fullPipeline, type PipelineResult } from './steps/full-pipeline';
import { latency, type LatencyResult } from './steps/latency';
import { memory, type MemoryResult } from './steps/memory';
import { preload, type PreloadResult } from './steps/preload';
import { stages, type StagesResult } from './steps/stages';

interface Results {
  preload?: PreloadResult;
  ceiling?: CeilingResult[];
  floor?: PipelineResult;
  pipeline?: PipelineResult;
  stages?: StagesResult;
  latency?: LatencyResult;
  memory?: MemoryResult;
}

/** The JSON report: where, with what, and every figure. */
interface Report {
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly environment: Environment;
  readonly loadAverageAtEnd: number[];
  readonly flags: Omit<BenchOptions, 'only'> & { only: Step[] };
  readonly dataset: ReturnType<typeof mainDatasetSpec>;
  readonly results: Results;
  readonly table: Row[];
  readonly errors: Array<{ step: string; message: string }>;
}

const SEED = 20_240_101;

async function main(): Promise<number> {
  const options = parseOptions(process.argv);
  const started = new Date();
  const stamp = started.toISOString().replace(/[:.]/g, '-');
  const outDir = userPath(options.out);
  mkdirSync(outDir, { recursive: true });
  const environment = await describeEnvironment();
  log(
    `${environment.cores} cores (${environment.cpuModel}), Node ${environment.node}, librdkafka ${environment.librdkafka}, ` +
      `Kafka ${environment.kafkaBroker ?? '?'}, PostgreSQL ${environment.postgres ?? '?'}; load average ${environment.loadAverageAtStart.join(' ')}`,
  );
  const has = (s: Step) => options.only.has(s);
  const spec = mainDatasetSpec(options.events);
  const scratch = new Scratch(options.keep);
  const results: Results = {};
  const rows: Row[] = [];
  const errors: Report['errors'] = [];
  const attempt = async (step: string, fn: () => Promise<void>) => {
    const at = Date.now();
    try {
      await fn();
      log(`${step}: done in ${seconds((Date.now() - at) / 1000)}`);
    } catch (error) {
      const message = (error as Error).message;
      errors.push({ step, message });
      rows.push({ step, what: 'FAILED', note: message.split('\n')[0] });
      log(`${step} failed: ${(error as Error).stack ?? message}`);
    }
  };

  try {
    let dataset: Dataset | undefined;
    const readsTopic = has('ceiling') || has('floor') || has('pipeline');
    if (readsTopic || has('stages')) {
      const at = Date.now();
      dataset = Dataset.generate(spec);
      log(`dataset: ${dataset.count.toLocaleString('en-US')} records (${dataset.invalid} invalid) generated in ${seconds((Date.now() - at) / 1000)}`);
    }
    let input: string | undefined;
    if (dataset && readsTopic) {
      await attempt('preload', async () => {
        input = await scratch.topic('bench-input', spec.partitions);
        results.preload = await preload(input, dataset!);
        rows.push(...preloadRows(results.preload));
      });
    }
    if (input && has('ceiling')) {
      await attempt('ceiling', async () => {
        results.ceiling = [
          await ceiling(input!, dataset!.count, 10_000, { defaultPrefetch: true }),
          await ceiling(input!, dataset!.count, 10_000),
          await ceiling(input!, dataset!.count, DEFAULT_BATCH_SIZE),
        ];
        rows.push(...ceilingRows(results.ceiling));
      });
    }
    const expected = dataset && { records: dataset.count, valid: dataset.valid, invalid: dataset.invalid };
    if (input && has('floor')) {
      await attempt('floor', async () => {
        const { targets, db } = await scratch.pipelineTargets('floor', input!);
        results.floor = await floor(targets, db, expected!, stamp);
        rows.push(...floorRows(results.floor, bestCeiling(results.ceiling)));
      });
    }
    if (input && has('pipeline')) {
      await attempt('pipeline', async () => {
        const { targets, db } = await scratch.pipelineTargets('pipeline', input!);
        results.pipeline = await fullPipeline(targets, db, expected!, {
          stamp,
          ...(options.cpuProf ? { profileDir: outDir } : {}),
          ...(options.heapProf ? { heapProfileDir: outDir } : {}),
        });
        rows.push(...pipelineRows(results.pipeline, bestCeiling(results.ceiling), results.floor));
      });
    }
    if (dataset && has('stages')) {
      await attempt('stages', async () => {
        const { targets } = await scratch.pipelineTargets('stages', 'bench-stages-input');
        results.stages = await stages(dataset!, targets);
        rows.push(...stagesRows(results.stages));
      });
    }
    dataset = undefined; // a million records less for the memory step's parent
    if (has('latency')) {
      await attempt('latency', async () => {
        results.latency = await latency(scratch, { rate: options.latencyRate, seconds: options.latencySeconds, warmupSeconds: options.latencyWarmup, seed: SEED });
        rows.push(...latencyRows(results.latency));
      });
    }
    if (has('memory')) {
      await attempt('memory', async () => {
        results.memory = await memory(scratch, { users: options.memoryUsers, seed: SEED });
        rows.push(...memoryRows(results.memory));
      });
    }
  } finally {
    await scratch.cleanup();
    if (options.keep) log(`kept:\n${scratch.describe()}`);
  }

  const report: Report = {
    startedAt: started.toISOString(),
    finishedAt: new Date().toISOString(),
    environment,
    loadAverageAtEnd: loadavg().map((l) => Math.round(l * 100) / 100),
    flags: { ...options, only: [...options.only] },
    dataset: spec,
    results,
    table: rows,
    errors,
  };
  const file = join(outDir, `bench-${stamp}.json`);
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);

  const load = environment.loadAverageAtStart[0]!;
  console.log(
    `\npnpm bench — ${environment.cores} cores, ${environment.cpuModel}, Node ${environment.node}${environment.nodeFlags.length > 0 ? ` ${environment.nodeFlags.join(' ')}` : ''}, librdkafka ${environment.librdkafka}` +
      Object.entries(environment.appSettings).map(([name, value]) => `, ${name}=${value}`).join('') +
      `${load > cpus().length / 2 ? `; the machine was busy (load average ${load} at the start)` : ''}\n`,
  );
  console.log(renderTable(rows));
  if (results.pipeline?.profile) {
    console.log(`\nCPU profile of the full pipeline (${results.pipeline.profile.file}), top functions by self time:\n`);
    console.log(formatSelfTimes(results.pipeline.profile.top, 20));
  }
  if (results.pipeline?.allocations) {
    const { file, sampledBytes, top } = results.pipeline.allocations;
    console.log(`\nAllocations of the full pipeline (${file}), sampled, garbage included: ${(sampledBytes / results.pipeline.records).toFixed(0)} bytes an event; top functions by bytes:\n`);
    console.log(formatAllocationSites(top, 20, results.pipeline.records));
  }
  console.log(`\nEvery figure: ${file}`);
  return errors.length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
