import { mkdtemp, open as openFile, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { parseDateTime, silentLogger, type PartitionOffset, type SinkRecord, type SinkWriter } from '@pipeline/streams';
import { parquetSink } from '@pipeline/streams/parquet';
import { ActivityEvent } from 'activity-pipeline/events';
import { generateEvents } from 'producer/simulation';
import { collectGarbage } from './collect-garbage';
import { mainDatasetSpec } from './dataset';
import { userPath } from './paths';
import { log, startProgress } from './progress';
import { int, ms } from './report';

// `pnpm --filter @pipeline/bench lake-recovery [--rows 1000,10000,100000] [--runs 5] [--dir <path>]`
//
// What the Parquet lake sink's `recover` costs for one input partition whose staging file holds N
// rows. At every assignment the sink recovers each partition it is given: it reads every staging
// file that survived and writes it anew, durably (temporary file, fsync, rename, fsync of the
// directory), even when nothing in it changed, so that it is a new inode: the fence against an
// instance the group dropped (recover-partition.ts). A staging file survives a crash, a kill or a
// dropped instance; a clean close (a stop, an eager rebalance's revoke) rolls it into Parquet first.
//
// Through the sink's public API, as the runtime drives it: writer A opens, recovers the partition
// from offset 0, writes N activity events (batches of 5,000), flushes and commits them, and is left
// as a crash leaves it (not closed). Writer B, a second instance or the restart, opens and its
// `recover` from offset N is timed: it claims the partition, lists the lake, reads A's staging file
// and rewrites it. The baseline: A closed cleanly instead (its rows rolled into a final file), so B
// finds no staging file. rollRows is far above N and rollAge a day: nothing rolls before that.
// Then, apart, the rewrite alone: the same text written the way durable-fs.ts's replaceDurably
// does it, to a temporary file, fsync, rename over the staging file, fsync of the directory.
//
// The rows: the benchmark's dataset (the producer's simulation, mainDatasetSpec, all valid), parsed
// as the pipeline holds them, in one input partition, offsets 0..N-1, one event date. The lake gets
// the events as decoded (ActivityEvent); `--processing-time` adds the enriched record's
// processing_time, which the lake does not get, to see what ~45 more bytes a row cost. Each size is
// recovered once, untimed, before the timed runs; the runs alternate the sizes; a full GC precedes
// each timed recovery.

const TOPIC = 'user_activity';
/** Event time of the first event: noon, so late events (3 minutes back) stay in the same day. */
const START = '2024-01-01T12:00:00.000Z';
const BATCH = 5_000;

interface Options {
  readonly rows: number[];
  readonly runs: number;
  readonly dir?: string;
  readonly processingTime?: boolean;
}

/** One timed recovery. */
interface Run {
  readonly ms: number;
  /** Bytes of the staging file B's recovery wrote anew (0 without one). */
  readonly bytes: number;
  /** The durable rewrite of the same text alone (write, fsync, rename, fsync of the directory). */
  readonly rewriteMs?: number;
}

function positiveInt(v: string): number {
  const n = Number(v.replaceAll('_', ''));
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive whole number');
  return n;
}

function rowCounts(v: string): number[] {
  return [...new Set(v.split(',').map((s) => positiveInt(s.trim())))].sort((a, b) => a - b);
}

/** `count` activity events as the pipeline holds them (parsed JSON), as records of partition 0 at offsets 0..count-1. */
function makeRecords(count: number, processingTime: boolean): SinkRecord<ActivityEvent>[] {
  const out: SinkRecord<ActivityEvent>[] = [];
  for (const r of generateEvents({ ...mainDatasetSpec(count), startTime: START, invalidEvery: 0, count })) {
    if (r.kind !== 'event') continue;
    const value = JSON.parse(r.value) as ActivityEvent & { processing_time?: string };
    const timestamp = parseDateTime(value.event_time);
    if (processingTime) value.processing_time = new Date(timestamp + 1_000 + (out.length % 997)).toISOString();
    out.push({ value, timestamp, origin: { topic: TOPIC, partition: 0, offset: out.length, watermark: 0 } });
  }
  return out;
}

/** The lake's staging files, every directory (hidden ones but `.owners`). */
async function stagingFiles(lake: string): Promise<string[]> {
  const entries = await readdir(lake, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile() && e.name.startsWith('.staging-')).map((e) => join(e.parentPath, e.name));
}

/** One recovery of a partition whose staging file holds `rows` rows (0: none; A closed cleanly after `baselineRows`). */
async function recoverOnce(base: string, records: readonly SinkRecord<ActivityEvent>[], rows: number, baselineRows: number, timed: boolean): Promise<Run> {
  const lake = await mkdtemp(join(base, `lake-${rows}-`));
  try {
    const sink = parquetSink({ dir: lake, schema: ActivityEvent, rollRows: 10 * Math.max(1, records.length), rollAge: '24h', name: 'lake' });
    const context = (instance: string) => ({ applicationId: `lake-recovery-${instance}`, nodeName: 'lake-sink', logger: silentLogger });
    const written = rows === 0 ? baselineRows : rows;
    const a = await sink.open(context('a'));
    await a.recover!([{ topic: TOPIC, partition: 0, offset: 0 }]);
    for (let i = 0; i < written; i += BATCH) a.write(records.slice(i, Math.min(written, i + BATCH)));
    const commit = { id: 1, offsets: [{ topic: TOPIC, partition: 0, offset: written }] };
    await a.flush(commit);
    await a.committed!(commit);
    if (rows === 0) await a.close();
    // Not closed otherwise: a close rolls every staging file into Parquet, a crash does not.
    const before = await stagingFiles(lake);
    if (before.length !== (rows === 0 ? 0 : 1)) throw new Error(`expected ${rows === 0 ? 'no staging file' : 'one staging file'}, found ${before.length}`);
    const old = before[0] === undefined ? undefined : await stat(before[0]);

    const b: SinkWriter<ActivityEvent> = await sink.open(context('b'));
    const positions: PartitionOffset[] = [{ topic: TOPIC, partition: 0, offset: written }];
    if (timed) collectGarbage();
    const started = process.hrtime.bigint();
    await b.recover!(positions);
    const took = Number(process.hrtime.bigint() - started) / 1e6;

    const after = await stagingFiles(lake);
    if (old === undefined) {
      if (after.length !== 0) throw new Error(`recovery left ${after.length} staging files where there was none`);
      return { ms: took, bytes: 0 };
    }
    const path = after[0]!;
    const now = await stat(path);
    if (after.length !== 1 || path !== before[0] || now.size !== old.size || now.ino === old.ino) {
      throw new Error(`recovery did not rewrite the staging file as expected: ${before.join(', ')} (${old.size} B, inode ${old.ino}) → ${after.join(', ')} (${now.size} B, inode ${now.ino})`);
    }
    // Writer B's own staging file from here: written over outside the sink, since neither writer is used again.
    const rewriteMs = timed ? await durableRewrite(path, await readFile(path, 'utf8')) : undefined;
    return { ms: took, bytes: now.size, ...(rewriteMs === undefined ? {} : { rewriteMs }) };
  } finally {
    await rm(lake, { recursive: true, force: true });
  }
}

/** durable-fs.ts's replaceDurably, timed: a temporary file written and synced, renamed over `path`, the directory synced. */
async function durableRewrite(path: string, text: string): Promise<number> {
  const temporary = `${path}.bench.tmp`;
  collectGarbage();
  const started = process.hrtime.bigint();
  const file = await openFile(temporary, 'w');
  try {
    await file.writeFile(text);
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(temporary, path);
  const dir = await openFile(dirname(path), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
  return Number(process.hrtime.bigint() - started) / 1e6;
}

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted.length % 2 === 1 ? sorted[(sorted.length - 1) / 2]! : (sorted[sorted.length / 2 - 1]! + sorted[sorted.length / 2]!) / 2;
};
const loads = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

function table(header: readonly string[], lines: ReadonlyArray<readonly string[]>): string {
  const width = header.map((h, c) => Math.max(h.length, ...lines.map((l) => l[c]!.length)));
  const line = (cells: readonly string[]) => cells.map((cell, c) => (c === 0 ? cell.padEnd(width[c]!) : cell.padStart(width[c]!))).join('  ');
  return [line(header), width.map((w) => '─'.repeat(w)).join('  '), ...lines.map(line)].join('\n');
}

async function main(options: Options): Promise<void> {
  const sizes = [0, ...options.rows];
  const baselineRows = options.rows[0]!;
  const base = await mkdtemp(join(options.dir === undefined ? tmpdir() : userPath(options.dir), 'lake-recovery-'));
  const loadAtStart = loads();
  console.log(
    `lake recovery of one input partition: ${options.runs} runs a size, medians (min–max); ${cpus().length} cores, Node ${process.version}; ` +
      `load average at the start ${loadAtStart}; lakes under ${base}${options.processingTime ? '; rows with processing_time' : ''}`,
  );
  try {
    const records = makeRecords(options.rows[options.rows.length - 1]!, options.processingTime === true);
    log(`${int(records.length)} events ready; one untimed recovery of each size first`);
    for (const rows of sizes) await recoverOnce(base, records, rows, baselineRows, false);
    const runs = new Map<number, Run[]>(sizes.map((rows) => [rows, []]));
    let done = 0;
    const progress = startProgress({ label: 'recoveries', read: () => done, total: options.runs * sizes.length, unit: 'recoveries' });
    try {
      // The sizes alternate run by run, so a busy moment of the shared machine does not hit one size only.
      for (let run = 0; run < options.runs; run++) {
        for (const rows of sizes) {
          runs.get(rows)!.push(await recoverOnce(base, records, rows, baselineRows, true));
          done++;
        }
      }
    } finally {
      progress.stop();
    }
    const baselineTimes = runs.get(0)!.map((r) => r.ms);
    const baseline = median(baselineTimes);
    // What a staging file adds, scaled to 100k rows; not shown unless it is over twice the baseline's own spread.
    const baselineSpread = Math.max(...baselineTimes) - Math.min(...baselineTimes);
    const per100k = (m: number, rows: number) => (m - baseline > 2 * baselineSpread ? ms(((m - baseline) * 100_000) / rows) : 'within noise');
    const lines = sizes.map((rows) => {
      const rs = runs.get(rows)!;
      const times = rs.map((r) => r.ms);
      const rewrites = rs.flatMap((r) => (r.rewriteMs === undefined ? [] : [r.rewriteMs]));
      const m = median(times);
      return [
        rows === 0 ? `none (A closed: ${int(baselineRows)} rows rolled)` : `${int(rows)} rows`,
        rows === 0 ? '0' : `${int(rs[0]!.bytes)} B`,
        ms(m),
        `${ms(Math.min(...times))} – ${ms(Math.max(...times))}`,
        rows === 0 ? '' : per100k(m, rows),
        rewrites.length === 0 ? '' : `${ms(median(rewrites))} (${ms(Math.min(...rewrites))} – ${ms(Math.max(...rewrites))})`,
        times.map((t) => t.toFixed(1)).join(', '),
      ];
    });
    console.log('');
    console.log(
      table(['staging file left by writer A', 'bytes rewritten', 'recover (B)', 'min – max', 'over baseline, per 100k rows', 'durable rewrite alone', 'every run, ms'], lines),
    );
    console.log(`\nload average at the end ${loads()} (at the start ${loadAtStart}; ${cpus().length} cores)`);
  } finally {
    await rm(base, { recursive: true, force: true });
  }
}

const program = new Command('lake-recovery')
  .description("Time the Parquet lake sink's recover() of one input partition whose staging file holds N rows")
  .option('--rows <list>', 'rows in the staging file, comma-separated', rowCounts, [1_000, 10_000, 100_000])
  .option('--runs <n>', 'timed recoveries of each size', positiveInt, 5)
  .option('--dir <path>', 'where to make the lakes (a fresh directory in it, removed at the end); default: the system temp dir')
  .option('--processing-time', "add the enriched record's processing_time to every row (the lake's rows do not have it)")
  .action(async (options: Options) => {
    await main(options);
  });

void program.parseAsync(process.argv.filter((a, i) => !(a === '--' && i === 2)));
