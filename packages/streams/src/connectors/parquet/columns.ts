import { Kind, KindGuard, type TSchema } from '@sinclair/typebox';

/** The Parquet types the sink writes. */
export type ParquetColumnType = 'UTF8' | 'INT64' | 'INT32' | 'DOUBLE' | 'BOOLEAN' | 'TIMESTAMP_MILLIS';

/** One column of the lake's files, as derived from a property of the row schema. */
export interface ParquetColumn {
  readonly name: string;
  readonly type: ParquetColumnType;
  /** An optional property (or one that may be `null`): the column is OPTIONAL, absent values are nulls. */
  readonly optional: boolean;
}

/**
 * Columns the sink adds to every row, after the schema's own: the input record the row came from,
 * so every row can be traced to its Kafka record, and deduplicated on `(_topic, _partition, _offset)`.
 */
export const METADATA_COLUMNS: readonly ParquetColumn[] = Object.freeze([
  { name: '_topic', type: 'UTF8', optional: false },
  { name: '_partition', type: 'INT32', optional: false },
  { name: '_offset', type: 'INT64', optional: false },
]);

/**
 * Derives the Parquet columns of a TypeBox object schema: string → UTF8, integer → INT64,
 * number → DOUBLE, boolean → BOOLEAN, `Type.String({ format: 'date-time' })` → TIMESTAMP_MILLIS,
 * a union of string literals (an enum) → UTF8; optional properties and unions with `Type.Null()`
 * give OPTIONAL columns. The three {@link METADATA_COLUMNS} follow.
 *
 * @throws Error naming the property, for kinds a flat Parquet row cannot hold (objects, arrays…).
 * @example
 * parquetColumns(Type.Object({ user_id: Type.String(), n: Type.Optional(Type.Integer()) }));
 * // [{ name: 'user_id', type: 'UTF8', optional: false }, { name: 'n', type: 'INT64', optional: true }, _topic, _partition, _offset]
 */
export function parquetColumns(schema: TSchema): readonly ParquetColumn[] {
  if (!KindGuard.IsObject(schema)) throw new Error('parquet sink: the schema must be a Type.Object of the rows');
  const required = new Set(schema.required ?? []);
  const columns: ParquetColumn[] = [];
  for (const [name, property] of Object.entries(schema.properties)) {
    if (METADATA_COLUMNS.some((c) => c.name === name)) {
      throw new Error(`parquet sink: property '${name}' clashes with a metadata column the sink adds (_topic, _partition, _offset)`);
    }
    const { type, nullable } = columnTypeOf(name, property);
    columns.push({ name, type, optional: nullable || KindGuard.IsOptional(property) || !required.has(name) });
  }
  return Object.freeze([...columns, ...METADATA_COLUMNS]);
}

function columnTypeOf(name: string, schema: TSchema): { type: ParquetColumnType; nullable: boolean } {
  if (KindGuard.IsUnion(schema)) {
    const members = schema.anyOf.filter((m) => !KindGuard.IsNull(m));
    const nullable = members.length < schema.anyOf.length;
    if (members.length === 1) return { type: scalarTypeOf(name, members[0]!), nullable };
    if (members.length > 0 && members.every((m) => KindGuard.IsLiteral(m) && typeof m.const === 'string')) {
      return { type: 'UTF8', nullable };
    }
    throw unsupported(name, 'a union other than of string literals (an enum) or of one type with null');
  }
  return { type: scalarTypeOf(name, schema), nullable: false };
}

function scalarTypeOf(name: string, schema: TSchema): ParquetColumnType {
  if (KindGuard.IsString(schema)) return schema.format === 'date-time' ? 'TIMESTAMP_MILLIS' : 'UTF8';
  if (KindGuard.IsInteger(schema)) return 'INT64';
  if (KindGuard.IsNumber(schema)) return 'DOUBLE';
  if (KindGuard.IsBoolean(schema)) return 'BOOLEAN';
  if (KindGuard.IsLiteral(schema)) {
    if (typeof schema.const === 'string') return 'UTF8';
    if (typeof schema.const === 'boolean') return 'BOOLEAN';
    return Number.isInteger(schema.const) ? 'INT64' : 'DOUBLE';
  }
  throw unsupported(name, `of kind ${schema[Kind]}`);
}

function unsupported(name: string, what: string): Error {
  return new Error(
    `parquet sink: property '${name}' is ${what}, which has no flat Parquet column; ` +
      'supported: string, date-time string, integer, number, boolean, enums of string literals, optional or nullable ones',
  );
}
