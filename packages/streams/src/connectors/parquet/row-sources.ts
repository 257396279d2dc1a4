import type { ParquetColumn } from './columns';
import { lineOffset } from './staging-lines';

/** Rows for one Parquet file, made one at a time: parquetjs keeps each row it is given. */
export interface RowSource {
  readonly length: number;
  /** Offset of row `index`. */
  offset(index: number): number;
  /** Row `index` as parquetjs takes it: a fresh object, timestamps in epoch ms, metadata columns set. */
  row(index: number): Record<string, unknown>;
}

/** Where the rows came from: the input partition written into the metadata columns. */
export interface RowOrigin {
  readonly topic: string;
  readonly partition: number;
}

/**
 * Rows from staging lines. Each line is parsed into a fresh object, converted in place: no copy.
 * @example const source = stagedRows(lines, columns, { topic: 'events', partition: 0 });
 */
export function stagedRows(lines: readonly string[], columns: readonly ParquetColumn[], origin: RowOrigin): RowSource {
  const timestamps = timestampColumns(columns);
  const { topic, partition } = origin;
  return {
    length: lines.length,
    offset: (index) => lineOffset(lines[index]!),
    row(index) {
      const [offset, row] = JSON.parse(lines[index]!) as [number, Record<string, unknown>];
      for (const name of timestamps) {
        const v = row[name];
        if (typeof v === 'string') row[name] = Date.parse(v);
      }
      row._topic = topic;
      row._partition = partition;
      row._offset = offset;
      return row;
    },
  };
}

/**
 * Rows from values still in memory (`values[start..end)`), for a file made in one flush. The
 * values may be shared with other sinks, so each row is a new object with the columns only.
 * @example const source = bufferedRows(values, offsets, 0, values.length, columns, { topic: 'events', partition: 0 });
 */
export function bufferedRows(
  values: readonly unknown[],
  offsets: readonly number[],
  start: number,
  end: number,
  columns: readonly ParquetColumn[],
  origin: RowOrigin,
): RowSource {
  const names = columns.map((c) => c.name);
  const isTimestamp = columns.map((c) => c.type === 'TIMESTAMP_MILLIS');
  const n = columns.length;
  const { topic, partition } = origin;
  return {
    length: end - start,
    offset: (index) => offsets[start + index]!,
    row(index) {
      const value = values[start + index] as Record<string, unknown>;
      const row: Record<string, unknown> = {};
      for (let i = 0; i < n; i++) {
        const name = names[i]!;
        const v = value[name];
        row[name] = isTimestamp[i] && typeof v === 'string' ? Date.parse(v) : v;
      }
      row._topic = topic;
      row._partition = partition;
      row._offset = offsets[start + index];
      return row;
    },
  };
}

/**
 * The rows of `a`, then those of `b`.
 * @example concatRows(stagedRows(lines, columns, origin), bufferedRows(values, offsets, 0, n, columns, origin));
 */
export function concatRows(a: RowSource, b: RowSource): RowSource {
  const split = a.length;
  return {
    length: a.length + b.length,
    offset: (index) => (index < split ? a.offset(index) : b.offset(index - split)),
    row: (index) => (index < split ? a.row(index) : b.row(index - split)),
  };
}

function timestampColumns(columns: readonly ParquetColumn[]): string[] {
  return columns.filter((c) => c.type === 'TIMESTAMP_MILLIS').map((c) => c.name);
}
