import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import { parquetSink, type ParquetCompression } from '../../../src/connectors/parquet';
import { parseDateTime } from '../../../src/time/date-time';
import { commit, flushAndRoll, finalFiles, makeLake, open, position, readLake, readParquet, readParquetWithParquetjs, record, records, row, Row } from './lake-helpers';

// The files are read back with hyparquet, a Parquet implementation independent of the writer
// (hyparquet-writer): what it reads is what any standard reader (DuckDB, pyarrow, Spark) reads.
// And with @dsnp/parquetjs 1.8.8, which the reference app's `verify` reads the lake with.

/** What a row of `Row` reads back as: INT64 as bigint, TIMESTAMP_MILLIS as Date, absent as null. */
function expected(offset: number, r: Row, partition = 0): Record<string, unknown> {
  return {
    id: r.id,
    at: new Date(r.at),
    n: BigInt(r.n),
    x: r.x,
    ok: r.ok,
    kind: r.kind,
    note: r.note ?? null,
    maybe: r.maybe === null ? null : BigInt(r.maybe),
    _topic: 'events',
    _partition: partition,
    _offset: BigInt(offset),
  };
}

describe('parquet files read back by an independent reader', () => {
  let lake: Awaited<ReturnType<typeof makeLake>>;
  beforeEach(async () => {
    lake = await makeLake();
  });
  afterEach(() => lake.remove());

  it.each<ParquetCompression>(['SNAPPY', 'GZIP', 'UNCOMPRESSED'])('reads every value back exactly (%s)', async (compression) => {
    const writer = await open(parquetSink({ dir: lake.dir, schema: Row, compression, rollRows: 300 }));
    await writer.recover!(position(0));
    writer.write(records(0, 300));
    await flushAndRoll(writer, commit(1, 300));
    const rows = await readLake(lake.dir);
    expect(rows.map(({ file: _file, ...r }) => r)).toEqual(records(0, 300).map((r) => expected(r.origin!.offset, r.value)));
    await writer.close();
  });

  it.each<ParquetCompression>(['SNAPPY', 'GZIP', 'UNCOMPRESSED'])('parquetjs 1.8.8 reads every value back exactly too (%s)', async (compression) => {
    const writer = await open(parquetSink({ dir: lake.dir, schema: Row, compression, rollRows: 300 }));
    await writer.recover!(position(0));
    writer.write(records(0, 300));
    await flushAndRoll(writer, commit(1, 300));
    const [file] = await finalFiles(lake.dir);
    expect(await readParquetWithParquetjs(join(lake.dir, file!))).toEqual(records(0, 300).map((r) => expected(r.origin!.offset, r.value)));
    await writer.close();
  });

  // hyparquet-writer writes a BOOLEAN page of more than 16 values as RLE unless told otherwise,
  // and parquetjs 1.8.8 decodes RLE booleans without a bit width: it read all 20 of these as false.
  it('writes BOOLEAN columns, required and optional, that both readers read back (more than 16 values a page)', async () => {
    const Flags = Type.Object({ at: Type.String({ format: 'date-time' }), ok: Type.Boolean(), maybe: Type.Optional(Type.Boolean()) });
    const values = Array.from({ length: 20 }, (_, i) => ({ at: '2024-01-01T12:00:00.000Z', ok: i % 2 === 0, ...(i % 5 === 4 ? {} : { maybe: i % 3 === 0 }) }));
    const writer = await open(parquetSink({ dir: lake.dir, schema: Flags, rollRows: 20 }));
    await writer.recover!(position(0));
    writer.write(values.map((v, i) => record(i, v)));
    await flushAndRoll(writer, commit(1, 20));
    const [file] = await finalFiles(lake.dir);
    const flags = values.map((v) => ({ ok: v.ok, maybe: v.maybe ?? null }));
    const read = (rows: Array<Record<string, unknown>>) => rows.map((r) => ({ ok: r.ok, maybe: r.maybe }));
    expect(read(await readParquet(join(lake.dir, file!)))).toEqual(flags);
    expect(read(await readParquetWithParquetjs(join(lake.dir, file!)))).toEqual(flags);
    await writer.close();
  });

  // Every row makes a round trip through a staging file (JSON) before a roll encodes it:
  // a file's rows staged by one flush, or gathered from several appends.
  it.each([
    ['staged in one flush', [3]],
    ['staged over three flushes', [1, 1, 1]],
  ])('keeps edge values exact: int64 limits, millisecond timestamps, unicode, empty strings, tiny and huge doubles (%s)', async (_, flushes) => {
    const edges: Row[] = [
      { ...row(0), n: Number.MAX_SAFE_INTEGER, x: -2.5e-7, id: '', at: '2024-02-29T23:59:59.999Z' },
      { ...row(1), n: Number.MIN_SAFE_INTEGER, x: 1e-300, id: 'é ✓ 𝄞 "quoted" \\ \n newline', at: '2024-02-29T00:00:00.001+00:00' },
      { ...row(2), n: 0, x: Number.MAX_VALUE, maybe: -1, note: '', at: '2024-02-29T12:00:00Z' },
    ];
    const writer = await open(parquetSink({ dir: lake.dir, schema: Row, rollRows: 3 }));
    await writer.recover!(position(0));
    let offset = 0;
    for (const [i, size] of flushes.entries()) {
      writer.write(edges.slice(offset, offset + size).map((r, k) => record(offset + k, r)));
      offset += size;
      await flushAndRoll(writer, commit(i + 1, offset));
    }
    const [file] = await finalFiles(lake.dir);
    const rows = await readParquet(join(lake.dir, file!));
    expect(rows).toEqual(edges.map((r, i) => expected(i, r)));
    expect((rows[0]!.at as Date).getTime()).toBe(Date.UTC(2024, 1, 29, 23, 59, 59, 999));
    await writer.close();
  });

  it('writes instants before 1970 (negative TIMESTAMP_MILLIS), staged in one flush and over several', async () => {
    const early: Row[] = [
      { ...row(0), at: '1969-07-20T20:17:40.000Z' },
      { ...row(1), at: '1969-07-20T23:59:59.999Z' },
      { ...row(2), at: '1969-07-20T00:00:00.001Z' },
    ];
    const writer = await open(parquetSink({ dir: lake.dir, schema: Row, rollRows: 3 }));
    await writer.recover!(position(0));
    writer.write(early.slice(0, 1).map((r, i) => record(i, r)));
    await flushAndRoll(writer, commit(1, 1)); // staged
    writer.write(early.slice(1).map((r, i) => record(i + 1, r)));
    await flushAndRoll(writer, commit(2, 3)); // rolled: one row staged earlier, two in this flush
    expect(await finalFiles(lake.dir)).toEqual(['event_date=1969-07-20/part-events-0-0-2.parquet']);
    expect((await readLake(lake.dir)).map(({ file: _file, ...r }) => r)).toEqual(early.map((r, i) => expected(i, r)));
    await writer.close();
  });

  it('writes every date-time the source takes, as the source reads it (Date.parse refused a space-separated year 19, and read .0070000000 as 70 ms)', async () => {
    const odd: Row[] = [
      { ...row(0), at: '0019-01-05 10:00:19Z' },
      { ...row(1), at: '0019-01-05T10:00:21.0070000000+00:00' },
      { ...row(2), at: '0019-01-05 11:00:22.5+01:00' },
    ];
    const writer = await open(parquetSink({ dir: lake.dir, schema: Row, rollRows: 3 }));
    await writer.recover!(position(0));
    const at = (r: Row, offset: number) => ({ ...record(offset, r), timestamp: parseDateTime(r.at) });
    writer.write([at(odd[0]!, 0)]);
    await flushAndRoll(writer, commit(1, 1)); // staged
    writer.write([at(odd[1]!, 1), at(odd[2]!, 2)]);
    await flushAndRoll(writer, commit(2, 3)); // rolled: one row staged earlier, two in this flush
    expect(await finalFiles(lake.dir)).toEqual(['event_date=0019-01-05/part-events-0-0-2.parquet']);
    const times = (await readLake(lake.dir)).map((r) => (r.at as Date).toISOString());
    expect(times).toEqual(['0019-01-05T10:00:19.000Z', '0019-01-05T10:00:21.007Z', '0019-01-05T10:00:22.500Z']);
    await writer.close();
  });

  it('writes optional columns of every kind, with and without values, staged in one flush and over several', async () => {
    const Optional = Type.Object({
      at: Type.String({ format: 'date-time' }),
      t: Type.Optional(Type.String({ format: 'date-time' })),
      n: Type.Optional(Type.Integer()),
      x: Type.Union([Type.Number(), Type.Null()]),
      ok: Type.Optional(Type.Boolean()),
      s: Type.Optional(Type.String()),
    });
    const values = Array.from({ length: 6 }, (_, i) => ({
      at: '2024-01-01T12:00:00.000Z',
      ...(i % 2 === 0 ? { t: `2024-01-0${i + 1}T00:00:00.000Z`, n: -i, ok: i % 4 === 0, s: `s${i}` } : {}),
      x: i % 3 === 0 ? null : i / 2,
    }));
    const writer = await open(parquetSink({ dir: lake.dir, schema: Optional, rollRows: 6 }));
    await writer.recover!(position(0));
    writer.write(values.slice(0, 3).map((v, i) => record(i, v)));
    await flushAndRoll(writer, commit(1, 3)); // staged
    writer.write(values.slice(3).map((v, i) => record(i + 3, v)));
    await flushAndRoll(writer, commit(2, 6)); // rolled: three rows staged earlier, three in this flush
    expect((await readLake(lake.dir)).map(({ file: _file, _topic, _partition, _offset, ...r }) => r)).toEqual(
      values.map((v) => ({
        at: new Date(v.at),
        t: v.t === undefined ? null : new Date(v.t),
        n: v.n === undefined ? null : BigInt(v.n),
        x: v.x,
        ok: v.ok ?? null,
        s: v.s ?? null,
      })),
    );
    await writer.close();
  });

  it('writes rows of the pipeline event schema, with extra properties left out', async () => {
    const Event = Type.Object({ event_time: Type.String({ format: 'date-time' }), user_id: Type.String() });
    const writer = await open(parquetSink({ dir: lake.dir, schema: Event, rollRows: 1 }));
    await writer.recover!(position(0));
    const value = { event_time: '2024-01-01T12:00:00Z', user_id: 'u1', extra: 'not a column' };
    writer.write([{ ...record(0, { at: value.event_time }), value }]);
    await flushAndRoll(writer, commit(1, 1));
    const [only] = await readLake(lake.dir);
    expect(only).toEqual({
      event_time: new Date('2024-01-01T12:00:00Z'),
      user_id: 'u1',
      _topic: 'events',
      _partition: 0,
      _offset: 0n,
      file: 'event_date=2024-01-01/part-events-0-0-0.parquet',
    });
    await writer.close();
  });
});
