import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Type, type Static } from '@sinclair/typebox';
import { silentLogger, type CommitInfo, type Sink, type SinkRecord, type SinkWriter } from '../../../src';
import { ParquetSinkWriter } from '../../../src/connectors/parquet/parquet-sink-writer';

// Helpers of the parquet sink tests: a temporary lake, records with an origin, and a second,
// independent Parquet reader (hyparquet) to read the lake back.

/** A row with a column of every supported kind. */
export const Row = Type.Object({
  id: Type.String(),
  at: Type.String({ format: 'date-time' }),
  n: Type.Integer(),
  x: Type.Number(),
  ok: Type.Boolean(),
  kind: Type.Union([Type.Literal('a'), Type.Literal('b')]),
  note: Type.Optional(Type.String()),
  maybe: Type.Union([Type.Integer(), Type.Null()]),
});
export type Row = Static<typeof Row>;

export const DAY = 86_400_000;
export const T0 = Date.UTC(2024, 0, 1, 12, 0, 0);

/** Row number `i`, at `T0 + dayOffset days + i seconds`. */
export function row(i: number, dayOffset = 0): Row {
  return {
    id: `r${i}`,
    at: new Date(T0 + dayOffset * DAY + i * 1000).toISOString(),
    n: 2 ** 40 + i,
    x: i / 4,
    ok: i % 2 === 0,
    kind: i % 3 === 0 ? 'a' : 'b',
    ...(i % 5 === 0 ? { note: `note ${i}` } : {}),
    maybe: i % 7 === 0 ? null : i,
  };
}

/** A record that passed through from `topic`/`partition` at `offset`. */
export function record<T extends { at: string }>(offset: number, value: T, topic = 'events', partition = 0): SinkRecord<T> {
  return { value, timestamp: Date.parse(value.at), origin: { topic, partition, offset, watermark: 0 } };
}

/** Records of rows `from` to `to - 1`, offset = row number. */
export function records(from: number, to: number, dayOffset = 0, partition = 0): SinkRecord<Row>[] {
  const out: SinkRecord<Row>[] = [];
  for (let i = from; i < to; i++) out.push(record(i, row(i, dayOffset), 'events', partition));
  return out;
}

export async function makeLake(): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'parquet-sink-'));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

export function open<T>(sink: Sink<T>): Promise<SinkWriter<T>> {
  return sink.open({ applicationId: 'parquet-test', nodeName: 'sink-1', logger: silentLogger });
}

/** Waits until the rolls a flush started (in the background) have made their files. */
export function rollsFinished<T>(writer: SinkWriter<T>): Promise<void> {
  if (!(writer instanceof ParquetSinkWriter)) throw new Error('not a parquet sink writer');
  return writer.rollsFinished();
}

/** Flushes, and waits for the rolls that flush started: the files are then as the flush left them. */
export async function flushAndRoll<T>(writer: SinkWriter<T>, info: CommitInfo): Promise<void> {
  await writer.flush(info);
  await rollsFinished(writer);
}

/**
 * Every file under `dir`, hidden ones included, as sorted relative paths; but the partitions'
 * owner markers (`.owners/`, which fence a writer whose partition another has recovered): every
 * recovery makes one, and they hold no rows.
 */
export async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .filter((f) => !f.startsWith('.owners/'))
    .sort();
}

/** The final Parquet files under `dir` (what a reader globbing `**\/*.parquet` sees). */
export async function finalFiles(dir: string): Promise<string[]> {
  return (await listFiles(dir)).filter((f) => /(^|\/)part-[^/]*\.parquet$/.test(f));
}

export type ReadRow = Record<string, unknown>;

/**
 * Reads one Parquet file with hyparquet, an implementation independent of the writer's. hyparquet
 * decodes Snappy itself; GZIP goes to Node's zlib.
 */
export async function readParquet(path: string): Promise<ReadRow[]> {
  const { asyncBufferFromFile, parquetReadObjects } = await import('hyparquet');
  return parquetReadObjects({ file: await asyncBufferFromFile(path), compressors: { GZIP: (input) => gunzipSync(input) } });
}

interface ParquetjsReader {
  getCursor(): { next(): Promise<ReadRow | null> };
  close(): Promise<void>;
}

/**
 * Reads one Parquet file with @dsnp/parquetjs 1.8.8, the reader of the reference app's `verify`
 * (apps/activity-pipeline/src/verify/lake-lookup.ts); the README promises it reads every column
 * type.
 */
export async function readParquetWithParquetjs(path: string): Promise<ReadRow[]> {
  const module = (await import('@dsnp/parquetjs')) as unknown as { ParquetReader: { openFile(p: string): Promise<ParquetjsReader> } };
  const reader = await module.ParquetReader.openFile(path);
  try {
    const cursor = reader.getCursor();
    const rows: ReadRow[] = [];
    for (let r = await cursor.next(); r !== null; r = await cursor.next()) rows.push(r);
    return rows;
  } finally {
    await reader.close();
  }
}

/** Every row of every final file of the lake, in file then row order, with the file it is in. */
export async function readLake(dir: string): Promise<Array<ReadRow & { file: string }>> {
  const out: Array<ReadRow & { file: string }> = [];
  for (const file of await finalFiles(dir)) for (const r of await readParquet(join(dir, file))) out.push({ ...r, file });
  return out;
}

export const commit = (id: number, offset: number, partition = 0) => ({ id, offsets: [{ topic: 'events', partition, offset }] });
export const position = (offset: number, partition = 0) => [{ topic: 'events', partition, offset }];
