import { METADATA_COLUMNS, type ParquetColumn } from './columns';
import { timestampOfText } from './timestamp-text';

/** Where the rows came from: the input partition written into the metadata columns. */
export interface RowOrigin {
  readonly topic: string;
  readonly partition: number;
}

/** The values of one column, as hyparquet-writer takes them: a typed array where none can be null. */
export type ColumnValues = unknown[] | Float64Array | BigInt64Array | Int32Array;

// How a column's values are converted: kept as they are, a date-time string to epoch ms, an integer to bigint.
const AS_IS = 0;
const TIMESTAMP = 1;
const INT64 = 2;

/**
 * The rows of one Parquet file, gathered column by column: each row is read once, in one pass
 * over the columns, straight into one array per column. No object is made per row. Rows come from
 * a staging file's lines (parsed), in offset order.
 *
 * @example
 * const rows = new FileColumns(columns, { topic: 'events', partition: 0 }, lines.length);
 * for (const line of lines) rows.addLine(line);
 * const bytes = await encoder.encode(groupsOf(rows)); // an async iterable of such groups
 */
export class FileColumns {
  /** The schema's own columns (not the metadata ones), and their values so far. */
  private readonly names: readonly string[];
  private readonly conversions: readonly number[];
  private readonly values: ColumnValues[];
  private readonly offsets: BigInt64Array;
  private count = 0;
  private first = -1;
  private last = -1;

  /**
   * @param columns the files' columns; the metadata ones (last) are filled from `origin` and the offsets.
   * @param capacity how many rows will be added, at most.
   */
  constructor(
    columns: readonly ParquetColumn[],
    private readonly origin: RowOrigin,
    private readonly capacity: number,
  ) {
    const own = columns.slice(0, columns.length - METADATA_COLUMNS.length);
    this.names = own.map((c) => c.name);
    this.conversions = own.map((c) => (c.type === 'TIMESTAMP_MILLIS' ? TIMESTAMP : c.type === 'INT64' ? INT64 : AS_IS));
    this.values = own.map((c) => valuesArray(c, capacity));
    this.offsets = new BigInt64Array(capacity);
  }

  get length(): number {
    return this.count;
  }

  /** Input offset of the first row added. */
  get firstOffset(): number {
    return this.first;
  }

  /** Input offset of the last row added. */
  get lastOffset(): number {
    return this.last;
  }

  /**
   * Adds a row the sink checked when it was written (see rowCheck): absent optional values become
   * nulls, date-time strings epoch milliseconds, integers bigints.
   */
  add(row: Record<string, unknown>, offset: number): void {
    const index = this.count;
    if (index >= this.capacity) throw new Error(`parquet sink: more rows than the ${this.capacity} a file was sized for`);
    const { names, conversions, values } = this;
    for (let c = 0; c < names.length; c++) {
      const v = row[names[c]!];
      // A typed array takes what its own type is: required columns never see a null.
      const column = values[c] as unknown[];
      if (v === undefined || v === null) column[index] = null;
      else if (conversions[c] === TIMESTAMP) column[index] = timestampOfText(v as string);
      else if (conversions[c] === INT64) column[index] = BigInt(v as number);
      else column[index] = v;
    }
    this.offsets[index] = BigInt(offset);
    if (index === 0) this.first = offset;
    this.last = offset;
    this.count = index + 1;
  }

  /** Adds the row of a staging line, `[offset,row]`. */
  addLine(line: string): void {
    const parsed = JSON.parse(line) as [number, Record<string, unknown>];
    this.add(parsed[1], parsed[0]);
  }

  /** Every column's values, the metadata columns last, in the order of the columns given. */
  columnValues(): ColumnValues[] {
    const n = this.count;
    const trim = <T extends ColumnValues>(a: T): T => (a.length === n ? a : (a.slice(0, n) as T));
    return [
      ...this.values.map(trim),
      new Array<string>(n).fill(this.origin.topic),
      new Int32Array(n).fill(this.origin.partition),
      trim(this.offsets),
    ];
  }
}

/** A column's array: typed when no value can be null and the type has one. */
function valuesArray(column: ParquetColumn, capacity: number): ColumnValues {
  if (!column.optional) {
    if (column.type === 'TIMESTAMP_MILLIS' || column.type === 'DOUBLE') return new Float64Array(capacity);
    if (column.type === 'INT64') return new BigInt64Array(capacity);
  }
  return new Array<unknown>(capacity);
}
