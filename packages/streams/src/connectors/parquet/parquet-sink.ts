import { resolve } from 'node:path';
import type { Static, TSchema } from '@sinclair/typebox';
import type { Sink, SinkContext, SinkRecord, SinkWriter } from '../../sinks/sink';
import { systemClock, type Clock } from '../../time/clock';
import { parseDuration, type Duration } from '../../time/duration';
import { METADATA_COLUMNS, parquetColumns } from './columns';
import { loadHyparquetWriter } from './load-hyparquet-writer';
import { ParquetEncoder, type ParquetCompression } from './parquet-encoder';
import { checkPartitionPath, eventDatePartition } from './partition-path';
import { ParquetSinkWriter } from './parquet-sink-writer';
import { rowCheck } from './row-check';

export interface ParquetSinkOptions<S extends TSchema> {
  /** The lake's root directory. */
  readonly dir: string;
  /** TypeBox object schema of the rows: it gives the files' columns (see `parquetColumns`). */
  readonly schema: S;
  /**
   * The partition directory of a row, relative to `dir`, e.g. `event_date=2024-01-01` or
   * `event_date=2024-01-01/hour=12`. Default: `event_date=YYYY-MM-DD` of the event time, in UTC.
   */
  readonly partitionBy?: (record: SinkRecord<Static<S>>) => string;
  /** A staging file is rolled into a Parquet file of exactly this many rows. Default 100 000. */
  readonly rollRows?: number;
  /** …or once its first row is this old (wall clock, checked at each flush). Default `'5m'`. */
  readonly rollAge?: Duration;
  /** Default `'SNAPPY'`. */
  readonly compression?: ParquetCompression;
  /** Shown by `describe()` and in errors instead of the directory. */
  readonly name?: string;
  /** Wall clock for `rollAge`: tests pass a `VirtualClock`. Default: the system clock. */
  readonly clock?: Clock;
}

const COMPRESSIONS: readonly ParquetCompression[] = ['SNAPPY', 'GZIP', 'UNCOMPRESSED'];

/**
 * A data-lake sink: rows in Parquet files under Hive-style partition directories, each event
 * exactly once across the final files, whatever crashes (given the engine's `recover`). Rows must
 * be records that passed through from a source (map, filter, flatMap), not aggregation results:
 * files are named by input partition and offset range. Columns `_topic`, `_partition`, `_offset`
 * follow the schema's. The schema is checked here, so an unsupported property fails at once; the
 * optional peer dependency `hyparquet-writer` is loaded only when the sink opens.
 *
 * @example
 * import { parquetSink } from '@pipeline/streams/parquet';
 * events.to(parquetSink({ dir: '/data/lake/activity', schema: ActivityEvent, rollRows: 100_000, rollAge: '5m' }));
 * // → /data/lake/activity/event_date=2024-01-01/part-user_activity-0-0-99999.parquet
 */
export function parquetSink<S extends TSchema>(options: ParquetSinkOptions<S>): Sink<Static<S>> {
  const columns = parquetColumns(options.schema);
  // The metadata columns come last and are filled by the sink, not the rows: not checked.
  const rowColumns = columns.slice(0, columns.length - METADATA_COLUMNS.length);
  const rollRows = options.rollRows ?? 100_000;
  if (!Number.isSafeInteger(rollRows) || rollRows < 1) throw new RangeError(`parquet sink: rollRows must be a positive integer, got ${rollRows}`);
  const rollAgeMs = parseDuration(options.rollAge ?? '5m', 'parquet sink rollAge');
  const compression = options.compression ?? 'SNAPPY';
  if (!COMPRESSIONS.includes(compression)) throw new RangeError(`parquet sink: compression must be one of ${COMPRESSIONS.join(', ')}, got ${String(compression)}`);
  if (options.dir.length === 0) throw new RangeError('parquet sink: dir must not be empty');
  const root = resolve(options.dir);
  const name = options.name ?? options.dir;
  const partitionOf = options.partitionBy === undefined ? eventDatePartition(name) : checkedPartitionBy(name, options.partitionBy as (record: SinkRecord<unknown>) => string);
  return {
    kind: 'parquet',
    target: name,
    async open(context: SinkContext): Promise<SinkWriter<Static<S>>> {
      const encoder = new ParquetEncoder(await loadHyparquetWriter(), columns, compression);
      return new ParquetSinkWriter({
        root,
        name,
        partitionOf,
        check: rowCheck(rowColumns),
        columns,
        encoder,
        rollRows,
        rollAgeMs,
        clock: options.clock ?? systemClock,
        logger: context.logger,
      });
    },
  };
}

/** Wraps a custom `partitionBy` to check each new path it returns once. */
function checkedPartitionBy(name: string, partitionBy: (record: SinkRecord<unknown>) => string): (record: SinkRecord<unknown>) => string {
  const valid = new Set<string>();
  return (record) => {
    const path = partitionBy(record);
    if (!valid.has(path)) {
      const problem = typeof path === 'string' ? checkPartitionPath(path) : 'it is not a string';
      if (problem !== undefined) throw new Error(`parquet sink ${name}: partitionBy returned '${String(path)}': ${problem}`);
      valid.add(path);
    }
    return path;
  };
}
