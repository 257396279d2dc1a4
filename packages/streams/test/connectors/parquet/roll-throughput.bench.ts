// Measures the parquet sink on 100k-row rolls, next to bare @dsnp/parquetjs appendRow on the same
// rows. A script, not a test: timings depend on the machine.
//   cd packages/streams && ../../tools/stack/node_modules/.bin/tsx test/connectors/parquet/roll-throughput.bench.ts
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ParquetSchema, ParquetWriter } from '@dsnp/parquetjs';
import { Type, type Static } from '@sinclair/typebox';
import { silentLogger, type SinkRecord } from '../../../src';
import { parquetColumns, parquetSink } from '../../../src/connectors/parquet';
import { finalFiles } from './lake-helpers';

const Event = Type.Object({
  event_time: Type.String({ format: 'date-time' }),
  user_id: Type.String(),
  page_url: Type.String(),
  event_type: Type.Union([Type.Literal('page_view'), Type.Literal('click'), Type.Literal('session_start'), Type.Literal('session_end')]),
});

const ROWS = 100_000;
const T0 = Date.UTC(2024, 0, 1);
const TYPES = ['page_view', 'click', 'session_start', 'session_end'] as const;
const ms = (from: bigint) => Number(process.hrtime.bigint() - from) / 1e6;
const rate = (rows: number, millis: number) => `${Math.round(rows / (millis / 1000)).toLocaleString('en')} rows/s`;

const records: SinkRecord<Static<typeof Event>>[] = [];
for (let i = 0; i < ROWS; i++) {
  const at = T0 + i * 100;
  const value = { event_time: new Date(at).toISOString(), user_id: `user-${i % 5000}`, page_url: `/products/${i % 300}`, event_type: TYPES[i % 4]! };
  records.push({ value, timestamp: at, origin: { topic: 'user_activity', partition: 0, offset: i, watermark: 0 } });
}

/** Writes the records in batches of 1,000 and flushes every `flushEvery` rows; the last flush rolls. */
async function sink(flushEvery: number): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'parquet-bench-'));
  try {
    const writer = await parquetSink({ dir, schema: Event, rollRows: ROWS }).open({ applicationId: 'bench', nodeName: 'sink', logger: silentLogger });
    await writer.recover!([{ topic: 'user_activity', partition: 0, offset: 0 }]);
    let id = 0;
    let flushMs = 0;
    const started = process.hrtime.bigint();
    for (let i = 0; i < ROWS; i += 1000) {
      writer.write(records.slice(i, i + 1000));
      if ((i + 1000) % flushEvery === 0) {
        const flushStarted = process.hrtime.bigint();
        await writer.flush({ id: ++id, offsets: [{ topic: 'user_activity', partition: 0, offset: i + 1000 }] });
        flushMs = ms(flushStarted);
      }
    }
    const total = ms(started);
    const [file] = await finalFiles(dir);
    const size = (await stat(join(dir, file!))).size;
    return `${rate(ROWS, total)} (${total.toFixed(0)} ms; the rolling flush ${flushMs.toFixed(0)} ms; ${(size / 1e6).toFixed(2)} MB)`;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Bare parquetjs: rows already in Parquet form, appended one by one. */
async function bare(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'parquet-bench-'));
  try {
    const schema = new ParquetSchema(Object.fromEntries(parquetColumns(Event).map((c) => [c.name, { type: c.type, optional: c.optional, compression: 'SNAPPY' as const }])));
    const rows = records.map((r) => ({ ...r.value, event_time: r.timestamp, _topic: 'user_activity', _partition: 0, _offset: r.origin!.offset }));
    const started = process.hrtime.bigint();
    const writer = await ParquetWriter.openFile(schema, join(dir, 'bare.parquet'), { rowGroupSize: 50_000, useDataPageV2: false });
    for (const row of rows) await writer.appendRow(row);
    await writer.close();
    const total = ms(started);
    return `${rate(ROWS, total)} (${total.toFixed(0)} ms)`;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  for (let run = 1; run <= 3; run++) {
    console.log(`run ${run}`);
    console.log(`  bare parquetjs appendRow:                       ${await bare()}`);
    console.log(`  sink, one flush of 100k (straight to Parquet):  ${await sink(ROWS)}`);
    console.log(`  sink, 100 flushes of 1k (roll from staging):    ${await sink(1000)}`);
  }
}

void main();
