import { Command, InvalidArgumentError, Option } from 'commander';

export const STEPS = ['ceiling', 'floor', 'pipeline', 'stages', 'latency', 'memory'] as const;
export type Step = (typeof STEPS)[number];

export interface BenchOptions {
  readonly events: number;
  readonly quick: boolean;
  readonly latencyRate: number;
  readonly latencySeconds: number;
  /** Seconds of traffic before latencies count: they are reported apart, as the cold start. */
  readonly latencyWarmup: number;
  readonly memoryUsers: number;
  readonly only: ReadonlySet<Step>;
  readonly out: string;
  readonly cpuProf: boolean;
  readonly heapProf: boolean;
  readonly keep: boolean;
}

const FULL = { events: 1_000_000, latencySeconds: 30, latencyWarmup: 10, memoryUsers: 1_000_000 };
const QUICK = { events: 100_000, latencySeconds: 10, latencyWarmup: 5, memoryUsers: 100_000 };

/** "1,000,000", "1_000_000", "1e6" → 1000000 (NaN when it is no number). */
function withSeparators(text: string): number {
  return Number(text.replace(/[,_]/g, ''));
}

/** "0", "10" → a whole number, zero allowed. */
export function wholeNumber(text: string): number {
  const n = withSeparators(text);
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number, e.g. 0 or 10');
  return n;
}

/** "1,000,000", "1_000_000", "1e6" → 1000000. */
export function positiveInteger(text: string): number {
  const n = withSeparators(text);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive whole number, e.g. 100000 or 1_000_000');
  return n;
}

export function stepList(text: string): Set<Step> {
  const steps = text.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = steps.filter((s) => !(STEPS as readonly string[]).includes(s));
  if (unknown.length > 0 || steps.length === 0) throw new InvalidArgumentError(`expected some of ${STEPS.join(',')}; got ${text}`);
  return new Set(steps as Step[]);
}

export function benchCommand(): Command {
  return new Command('bench')
    .description(
      'Throughput, latency and memory of the activity pipeline, side by side with the Kafka client\'s ceiling.\n' +
        'Needs the local stack (Kafka, PostgreSQL): `pnpm bench` starts it. Prints a table; writes every figure as JSON.',
    )
    .addOption(new Option('--events <n>', 'events in the preloaded topic (ceiling, floor, pipeline, stages)').argParser(positiveInteger).default(FULL.events, '1,000,000'))
    .option('--quick', `a run of about a minute: ${QUICK.events.toLocaleString('en-US')} events, ${QUICK.latencyWarmup} + ${QUICK.latencySeconds} s of latency, ${QUICK.memoryUsers.toLocaleString('en-US')} memory users (explicit flags still win)`, false)
    .addOption(new Option('--latency-rate <n>', 'events per second produced during the latency run').argParser(positiveInteger).default(10_000, '10,000'))
    .addOption(new Option('--latency-seconds <n>', 'length of the latency run, after the warm-up').argParser(positiveInteger).default(FULL.latencySeconds))
    .addOption(
      new Option('--latency-warmup <n>', 'seconds of traffic at the same rate before latencies count (reported apart, as the cold start)')
        .argParser(wholeNumber)
        .default(FULL.latencyWarmup),
    )
    .addOption(new Option('--memory-users <n>', 'distinct users (open sessions) in the memory run').argParser(positiveInteger).default(FULL.memoryUsers, '1,000,000'))
    .addOption(new Option('--only <steps>', `run only these steps, comma-separated: ${STEPS.join(',')}`).argParser(stepList))
    .option('--out <dir>', 'where the JSON report (and the profiles) go', 'bench-results')
    .option('--cpu-prof', 'profile the full pipeline step: writes a .cpuprofile to --out and prints the top functions by self time', false)
    .option('--heap-prof', "sample the full pipeline step's allocations (garbage included): writes a .heapprofile to --out and prints the top functions by bytes", false)
    .option('--keep', 'keep the topics, databases and temporary directories (to look at them afterwards)', false)
    .showHelpAfterError();
}

/** Parses argv; `--quick` sets the sizes that were not given explicitly. */
export function parseOptions(argv: readonly string[]): BenchOptions {
  const command = benchCommand();
  // `pnpm bench -- --quick` passes the `--` through to the script.
  const args = argv.slice(2).filter((a, i) => !(a === '--' && i === 0));
  command.parse(args, { from: 'user' });
  const o = command.opts<{
    events: number;
    quick: boolean;
    latencyRate: number;
    latencySeconds: number;
    latencyWarmup: number;
    memoryUsers: number;
    only?: Set<Step>;
    out: string;
    cpuProf: boolean;
    heapProf: boolean;
    keep: boolean;
  }>();
  const given = (name: string) => command.getOptionValueSource(name) === 'cli';
  const sizes = o.quick ? QUICK : FULL;
  return {
    events: given('events') ? o.events : sizes.events,
    quick: o.quick,
    latencyRate: o.latencyRate,
    latencySeconds: given('latencySeconds') ? o.latencySeconds : sizes.latencySeconds,
    latencyWarmup: given('latencyWarmup') ? o.latencyWarmup : sizes.latencyWarmup,
    memoryUsers: given('memoryUsers') ? o.memoryUsers : sizes.memoryUsers,
    only: o.only ?? new Set(STEPS),
    out: o.out,
    cpuProf: o.cpuProf,
    heapProf: o.heapProf,
    keep: o.keep,
  };
}
