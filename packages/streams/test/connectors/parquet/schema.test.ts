import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import type { SinkRecord } from '../../../src';
import { parquetColumns, parquetSink } from '../../../src/connectors/parquet';
import { commit, flushAndRoll, finalFiles, makeLake, open, position, readLake, record, Row } from './lake-helpers';

describe('parquet schema derived from the TypeBox schema', () => {
  it('maps each kind to its Parquet type, optional and nullable properties to OPTIONAL columns, and adds the metadata columns', () => {
    expect(parquetColumns(Row)).toEqual([
      { name: 'id', type: 'UTF8', optional: false },
      { name: 'at', type: 'TIMESTAMP_MILLIS', optional: false },
      { name: 'n', type: 'INT64', optional: false },
      { name: 'x', type: 'DOUBLE', optional: false },
      { name: 'ok', type: 'BOOLEAN', optional: false },
      { name: 'kind', type: 'UTF8', optional: false },
      { name: 'note', type: 'UTF8', optional: true },
      { name: 'maybe', type: 'INT64', optional: true },
      { name: '_topic', type: 'UTF8', optional: false },
      { name: '_partition', type: 'INT32', optional: false },
      { name: '_offset', type: 'INT64', optional: false },
    ]);
  });

  it('maps Type.Enum, literals and optional enums', () => {
    enum Color {
      Red = 'red',
      Blue = 'blue',
    }
    const columns = parquetColumns(
      Type.Object({ color: Type.Enum(Color), fixed: Type.Literal('v1'), flag: Type.Literal(true), level: Type.Optional(Type.Union([Type.Literal('lo'), Type.Literal('hi')])) }),
    );
    expect(columns.slice(0, 4)).toEqual([
      { name: 'color', type: 'UTF8', optional: false },
      { name: 'fixed', type: 'UTF8', optional: false },
      { name: 'flag', type: 'BOOLEAN', optional: false },
      { name: 'level', type: 'UTF8', optional: true },
    ]);
  });

  it.each([
    ['a nested object', Type.Object({ address: Type.Object({ city: Type.String() }) }), /property 'address' is of kind Object/],
    ['an array', Type.Object({ tags: Type.Array(Type.String()) }), /property 'tags' is of kind Array/],
    ['a mixed union', Type.Object({ v: Type.Union([Type.String(), Type.Number()]) }), /property 'v' is a union other than/],
    ['a metadata column name', Type.Object({ _offset: Type.Integer() }), /property '_offset' clashes with a metadata column/],
  ])('fails at construction, naming the property, for %s', (_, schema, message) => {
    expect(() => parquetSink({ dir: '/tmp/unused', schema })).toThrow(message);
  });

  it('fails at construction for a schema that is not an object', () => {
    expect(() => parquetSink({ dir: '/tmp/unused', schema: Type.String() })).toThrow(/must be a Type.Object/);
  });

  it('writes the derived types into the files: hyparquet reads them back as such', async () => {
    const { parquetMetadataAsync, parquetSchema, asyncBufferFromFile } = await import('hyparquet');
    const lake = await makeLake();
    try {
      const writer = await open(parquetSink({ dir: lake.dir, schema: Row, rollRows: 1 }));
      await writer.recover!(position(0));
      writer.write([record(0, { id: 'a', at: '2024-01-01T00:00:00.000Z', n: 1, x: 1.5, ok: true, kind: 'a', maybe: null })]);
      await flushAndRoll(writer, commit(1, 1));
      const [file] = await finalFiles(lake.dir);
      const metadata = await parquetMetadataAsync(await asyncBufferFromFile(join(lake.dir, file!)));
      const columns = parquetSchema(metadata).children.map((c) => ({
        name: c.element.name,
        type: c.element.type,
        converted: c.element.converted_type,
        repetition: c.element.repetition_type,
      }));
      expect(columns).toEqual([
        { name: 'id', type: 'BYTE_ARRAY', converted: 'UTF8', repetition: 'REQUIRED' },
        { name: 'at', type: 'INT64', converted: 'TIMESTAMP_MILLIS', repetition: 'REQUIRED' },
        { name: 'n', type: 'INT64', converted: undefined, repetition: 'REQUIRED' },
        { name: 'x', type: 'DOUBLE', converted: undefined, repetition: 'REQUIRED' },
        { name: 'ok', type: 'BOOLEAN', converted: undefined, repetition: 'REQUIRED' },
        { name: 'kind', type: 'BYTE_ARRAY', converted: 'UTF8', repetition: 'REQUIRED' },
        { name: 'note', type: 'BYTE_ARRAY', converted: 'UTF8', repetition: 'OPTIONAL' },
        { name: 'maybe', type: 'INT64', converted: undefined, repetition: 'OPTIONAL' },
        { name: '_topic', type: 'BYTE_ARRAY', converted: 'UTF8', repetition: 'REQUIRED' },
        { name: '_partition', type: 'INT32', converted: undefined, repetition: 'REQUIRED' },
        { name: '_offset', type: 'INT64', converted: undefined, repetition: 'REQUIRED' },
      ]);
      await writer.close();
    } finally {
      await lake.remove();
    }
  });

  it('stages a row whose property outside the schema JSON cannot hold (a bigint), writing the schema’s properties', async () => {
    const lake = await makeLake();
    try {
      const writer = await open(parquetSink({ dir: lake.dir, schema: Row, rollRows: 2 }));
      await writer.recover!(position(0));
      const base = { at: '2024-01-01T00:00:00.000Z', n: 1, x: 1.5, ok: true, kind: 'a' as const, maybe: null };
      writer.write([record(0, { ...base, id: 'a', extra: 10n }) as SinkRecord<Row>, record(1, { ...base, id: 'b' })]);
      // Before: the flush threw ('Do not know how to serialize a BigInt'), and every one after it.
      await flushAndRoll(writer, commit(1, 2));
      expect((await readLake(lake.dir)).map((r) => [r.id, 'extra' in r])).toEqual([
        ['a', false],
        ['b', false],
      ]);
      await writer.close();
    } finally {
      await lake.remove();
    }
  });
});
