// Rows per second of the Parquet lake sink's parts, on this machine: three Parquet writers on the
// same events, the staging path alone, and the sink end to end through its public API. Prints
// figures (median of the runs, then every run); not part of `pnpm bench` or of any test.
//
//   cd tools/bench && node --expose-gc --max-old-space-size=8192 --import tsx --conditions=@pipeline/source src/parquet-writers.ts [events] [runs]
//
// The events are activity events (event_time as an ISO date-time, user_id of 10,000 users,
// page_url of 100 pages, event_type of 4), one input partition, offsets 0..n-1, written as files of
// 100,000 rows (the sink's default rollRows), Snappy, each file synced like the sink's.
// DuckDB (`@duckdb/node-api`) is not a dependency: it is measured when it can be loaded, from
// DUCKDB_NODE_API (a path to an installed copy) or by name.
import { isAscii } from 'node:buffer';
import { open as openFile, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ParquetSchema, ParquetWriter } from '@dsnp/parquetjs';
import { silentLogger, type SinkRecord } from '@pipeline/streams';
import { parquetColumns, parquetSink } from '@pipeline/streams/parquet';
import { Type, type Static } from '@sinclair/typebox';

const Event = Type.Object({
  event_time: Type.String({ format: 'date-time' }),
  user_id: Type.String(),
  page_url: Type.String(),
  event_type: Type.Union([Type.Literal('page_view'), Type.Literal('click'), Type.Literal('session_start'), Type.Literal('session_end')]),
});
type Event = Static<typeof Event>;

const EVENTS = Number(process.argv[2] ?? 1_000_000);
const RUNS = Number(process.argv[3] ?? 3);
const FILE_ROWS = 100_000;
const TOPIC = 'user_activity';
const T0 = Date.UTC(2024, 0, 1);
const TYPES = ['page_view', 'click', 'session_start', 'session_end'] as const;

// Kept as the pipeline holds them: plain objects parsed from JSON, read by the sink at each flush.
const values: Event[] = [];
for (let i = 0; i < EVENTS; i++) {
  values.push({
    event_time: new Date(T0 + i).toISOString(),
    user_id: `user-${(i * 7919) % 10_000}`,
    page_url: `https://shop.example.com/products/${(i * 31) % 100}`,
    event_type: TYPES[(i * 13) % 7 < 4 ? 0 : i % 4]!,
  });
}

interface Measure {
  readonly rows: number;
  readonly ms: number;
  readonly bytes?: number;
  readonly note?: string;
}

const now = () => process.hrtime.bigint();
const since = (from: bigint) => Number(now() - from) / 1e6;
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);

async function scratch<T>(task: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'parquet-writers-'));
  try {
    return await task(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function syncFile(path: string): Promise<number> {
  const handle = await openFile(path, 'r+');
  try {
    await handle.sync();
    return (await handle.stat()).size;
  } finally {
    await handle.close();
  }
}

/** Each file of FILE_ROWS rows through `writeFile(path, start, end)`, timed end to end. */
async function perFile(writeFile: (path: string, start: number, end: number) => Promise<void>): Promise<Measure> {
  return scratch(async (dir) => {
    let bytes = 0;
    const started = now();
    for (let start = 0, k = 0; start < EVENTS; start += FILE_ROWS, k++) {
      const path = join(dir, `part-${k}.parquet`);
      await writeFile(path, start, Math.min(EVENTS, start + FILE_ROWS));
      bytes += await syncFile(path);
    }
    return { rows: EVENTS, ms: since(started), bytes };
  });
}

/** (a) @dsnp/parquetjs 1.8.8 as the sink used it: a row object per event, `appendRow`, 50k-row groups, data pages v1. */
function parquetjs(): Promise<Measure> {
  const columns = parquetColumns(Event);
  const schema = new ParquetSchema(Object.fromEntries(columns.map((c) => [c.name, { type: c.type, optional: c.optional, compression: 'SNAPPY' as const }])));
  return perFile(async (path, start, end) => {
    const writer = await ParquetWriter.openFile(schema, path, { rowGroupSize: 50_000, useDataPageV2: false });
    for (let i = start; i < end; i++) {
      const v = values[i]!;
      await writer.appendRow({ event_time: Date.parse(v.event_time), user_id: v.user_id, page_url: v.page_url, event_type: v.event_type, _topic: TOPIC, _partition: 0, _offset: i });
    }
    await writer.close();
  });
}

/** (b) hyparquet-writer: one array per column, built in one pass, then one `parquetWrite` per file. */
async function hyparquetWriter(): Promise<Measure> {
  const { ByteWriter, parquetWrite } = await import('hyparquet-writer');
  const schema = [
    { name: 'root', num_children: 7 },
    { name: 'event_time', type: 'INT64' as const, converted_type: 'TIMESTAMP_MILLIS' as const, repetition_type: 'REQUIRED' as const },
    { name: 'user_id', type: 'BYTE_ARRAY' as const, converted_type: 'UTF8' as const, repetition_type: 'REQUIRED' as const },
    { name: 'page_url', type: 'BYTE_ARRAY' as const, converted_type: 'UTF8' as const, repetition_type: 'REQUIRED' as const },
    { name: 'event_type', type: 'BYTE_ARRAY' as const, converted_type: 'UTF8' as const, repetition_type: 'REQUIRED' as const },
    { name: '_topic', type: 'BYTE_ARRAY' as const, converted_type: 'UTF8' as const, repetition_type: 'REQUIRED' as const },
    { name: '_partition', type: 'INT32' as const, repetition_type: 'REQUIRED' as const },
    { name: '_offset', type: 'INT64' as const, repetition_type: 'REQUIRED' as const },
  ];
  return perFile(async (path, start, end) => {
    const n = end - start;
    const time = new Float64Array(n);
    const user: string[] = new Array<string>(n);
    const page: string[] = new Array<string>(n);
    const type: string[] = new Array<string>(n);
    const offset = new BigInt64Array(n);
    for (let i = 0; i < n; i++) {
      const v = values[start + i]!;
      time[i] = Date.parse(v.event_time);
      user[i] = v.user_id;
      page[i] = v.page_url;
      type[i] = v.event_type;
      offset[i] = BigInt(start + i);
    }
    const writer = new ByteWriter();
    await parquetWrite({
      writer,
      schema,
      codec: 'SNAPPY',
      rowGroupSize: FILE_ROWS,
      columnData: [
        { name: 'event_time', data: time },
        { name: 'user_id', data: user },
        { name: 'page_url', data: page },
        { name: 'event_type', data: type },
        { name: '_topic', data: new Array<string>(n).fill(TOPIC) },
        { name: '_partition', data: new Int32Array(n) },
        { name: '_offset', data: offset },
      ],
    });
    const handle = await openFile(path, 'w');
    try {
      await handle.writeFile(writer.getBytes());
    } finally {
      await handle.close();
    }
  });
}

/** The part of @duckdb/node-api used here. */
interface DuckDB {
  DuckDBInstance: { create(path: string): Promise<{ connect(): Promise<DuckDBConnection> }> };
  DuckDBTimestampMillisecondsValue: new (millis: bigint) => unknown;
}
interface DuckDBConnection {
  run(sql: string): Promise<unknown>;
  createAppender(table: string): Promise<DuckDBAppender>;
  closeSync(): void;
}
interface DuckDBAppender {
  appendVarchar(v: string): void;
  appendInteger(v: number): void;
  appendBigInt(v: bigint): void;
  appendTimestampMilliseconds(v: unknown): void;
  endRow(): void;
  closeSync(): void;
}

async function loadDuckDB(): Promise<DuckDB | undefined> {
  try {
    return (await import(process.env.DUCKDB_NODE_API ?? '@duckdb/node-api')) as DuckDB;
  } catch {
    return undefined;
  }
}

/** (c) DuckDB: rows through its appender into a table, then `COPY … TO … (FORMAT parquet)`. */
async function duckdb(lib: DuckDB): Promise<Measure> {
  const connection = await (await lib.DuckDBInstance.create(':memory:')).connect();
  try {
    return await perFile(async (path, start, end) => {
      await connection.run(
        'CREATE OR REPLACE TABLE rows (event_time TIMESTAMP_MS NOT NULL, user_id VARCHAR NOT NULL, page_url VARCHAR NOT NULL, event_type VARCHAR NOT NULL, ' +
          '_topic VARCHAR NOT NULL, _partition INTEGER NOT NULL, _offset BIGINT NOT NULL)',
      );
      const appender = await connection.createAppender('rows');
      for (let i = start; i < end; i++) {
        const v = values[i]!;
        appender.appendTimestampMilliseconds(new lib.DuckDBTimestampMillisecondsValue(BigInt(Date.parse(v.event_time))));
        appender.appendVarchar(v.user_id);
        appender.appendVarchar(v.page_url);
        appender.appendVarchar(v.event_type);
        appender.appendVarchar(TOPIC);
        appender.appendInteger(0);
        appender.appendBigInt(BigInt(i));
        appender.endRow();
      }
      appender.closeSync();
      await connection.run(`COPY rows TO '${path}' (FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE ${FILE_ROWS})`);
    });
  } finally {
    connection.closeSync();
  }
}

/** The staging lines of events `start..end`, `[offset,row]\n`, made as the sink makes them: UTF-8 into one buffer. */
function stagingLines(start: number, end: number): Uint8Array {
  let buffer = Buffer.allocUnsafe((end - start) * 160);
  let length = 0;
  for (let i = start; i < end; i++) {
    const line = `[${i},${JSON.stringify(values[i])}]\n`;
    if (length + line.length * 3 > buffer.length) {
      const larger = Buffer.allocUnsafe(Math.max(buffer.length * 2, length + line.length * 3));
      buffer.copy(larger, 0, 0, length);
      buffer = larger;
    }
    length += buffer.write(line, length);
  }
  return buffer.subarray(0, length);
}

/**
 * The staging path alone, flushes of `flushRows` rows: the JSON lines of a flush built as the sink
 * builds them, appended to the staging file and synced; a new staging file every FILE_ROWS rows.
 * Then the roll's first half: each staging file read back (as ASCII when it is, like the sink) and
 * its lines parsed.
 */
async function staging(flushRows: number): Promise<{ encode: Measure; append: Measure; parse: Measure }> {
  return scratch(async (dir) => {
    let encodeMs = 0;
    let appendMs = 0;
    let syncs = 0;
    for (let start = 0; start < EVENTS; start += flushRows) {
      const end = Math.min(EVENTS, start + flushRows);
      let started = now();
      const text = stagingLines(start, end);
      encodeMs += since(started);
      started = now();
      const handle = await openFile(join(dir, `staging-${Math.floor(start / FILE_ROWS)}.jsonl`), 'a');
      try {
        await handle.writeFile(text);
        await handle.datasync();
        syncs++;
      } finally {
        await handle.close();
      }
      appendMs += since(started);
    }
    const started = now();
    let parsed = 0;
    for (let k = 0; k * FILE_ROWS < EVENTS; k++) {
      const data = await readFile(join(dir, `staging-${k}.jsonl`));
      const lines = (isAscii(data) ? data.toString('ascii') : data.toString('utf8')).split('\n');
      lines.pop();
      for (const line of lines) parsed += (JSON.parse(line) as unknown[]).length;
    }
    const parseMs = since(started);
    return {
      encode: { rows: EVENTS, ms: encodeMs },
      append: { rows: EVENTS, ms: appendMs, note: `${syncs} appends + datasyncs, ${(appendMs / syncs).toFixed(1)} ms each` },
      parse: { rows: parsed / 2, ms: parseMs },
    };
  });
}

/** The sink through its public API: write in batches of 5,000, flush and commit every `flushRows` rows, close. */
async function sink(flushRows: number): Promise<Measure> {
  const records: SinkRecord<Event>[] = values.map((value, offset) => ({ value, timestamp: T0, origin: { topic: TOPIC, partition: 0, offset, watermark: 0 } }));
  return scratch(async (dir) => {
    gc();
    const started = now();
    const writer = await parquetSink({ dir, schema: Event, rollRows: FILE_ROWS }).open({ applicationId: 'bench', nodeName: 'lake', logger: silentLogger });
    await writer.recover!([{ topic: TOPIC, partition: 0, offset: 0 }]);
    let id = 0;
    for (let i = 0; i < EVENTS; i += 5000) {
      writer.write(records.slice(i, i + 5000));
      const end = Math.min(EVENTS, i + 5000);
      if (end % flushRows === 0 || end === EVENTS) {
        const commit = { id: ++id, offsets: [{ topic: TOPIC, partition: 0, offset: end }] };
        await writer.flush(commit);
        await writer.committed!(commit);
      }
    }
    await writer.close();
    const ms = since(started);
    let bytes = 0;
    const day = join(dir, 'event_date=2024-01-01');
    for (const name of (await readdir(day)).filter((f) => f.endsWith('.parquet'))) bytes += (await stat(join(day, name))).size;
    return { rows: EVENTS, ms, bytes };
  });
}

const rate = (m: Measure) => m.rows / (m.ms / 1000);
const fmt = (n: number) => Math.round(n).toLocaleString('en');

function report(name: string, runs: Measure[]): void {
  const rates = runs.map(rate).sort((a, b) => a - b);
  const median = rates[Math.floor(rates.length / 2)]!;
  const bytes = runs[0]!.bytes === undefined ? '' : `  ${(runs[0]!.bytes / 2 ** 20).toFixed(1)} MB`;
  const note = runs[0]!.note === undefined ? '' : `  (${runs[0]!.note})`;
  console.log(`${name.padEnd(58)} ${fmt(median).padStart(10)} rows/s   runs: ${runs.map((m) => fmt(rate(m))).join(', ')}${bytes}${note}`);
}

async function main(): Promise<void> {
  const duck = await loadDuckDB();
  console.log(`${fmt(EVENTS)} events, files of ${fmt(FILE_ROWS)} rows, Snappy; ${RUNS} runs, medians; full GC between steps: ${'gc' in globalThis ? 'yes' : 'no (run node with --expose-gc)'}`);
  const steps: Array<[string, () => Promise<Measure>]> = [
    ['(a) @dsnp/parquetjs 1.8.8 appendRow', parquetjs],
    ['(b) hyparquet-writer 0.17 column arrays', hyparquetWriter],
    ...(duck === undefined ? [] : ([['(c) DuckDB appender + COPY TO parquet', () => duckdb(duck)]] as Array<[string, () => Promise<Measure>]>)),
    ['sink end to end, flush every 10,000 rows (staging)', () => sink(10_000)],
    ['sink end to end, flush every 100,000 rows (no staging)', () => sink(100_000)],
  ];
  if (duck === undefined) console.log('(c) DuckDB: @duckdb/node-api not found (set DUCKDB_NODE_API to an installed copy)');
  const results = new Map<string, Measure[]>();
  const stagingRuns: Array<Awaited<ReturnType<typeof staging>>> = [];
  // Steps interleaved run by run, so a busy moment of the shared machine does not hit one writer only.
  for (let run = 0; run < RUNS; run++) {
    for (const [name, step] of steps) {
      gc();
      const m = await step();
      results.set(name, [...(results.get(name) ?? []), m]);
    }
    gc();
    stagingRuns.push(await staging(10_000));
  }
  for (const [name, runs] of results) report(name, runs);
  report('staging: JSON lines of a flush (10,000 rows)', stagingRuns.map((s) => s.encode));
  report('staging: append + datasync per flush', stagingRuns.map((s) => s.append));
  report('staging: encode + append + datasync', stagingRuns.map((s) => ({ rows: s.encode.rows, ms: s.encode.ms + s.append.ms })));
  report('roll from staging: read + split + JSON.parse lines', stagingRuns.map((s) => s.parse));
}

void main();
