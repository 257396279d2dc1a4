/**
 * `@pipeline/streams/parquet`: a data-lake sink writing Parquet files (with hyparquet-writer, an
 * optional peer dependency loaded when a sink opens). See README.md in this folder.
 * @packageDocumentation
 */
export { parquetSink, type ParquetSinkOptions } from './parquet-sink';
export { parquetColumns, METADATA_COLUMNS, type ParquetColumn, type ParquetColumnType } from './columns';
export { eventDatePartition } from './partition-path';
export type { ParquetCompression } from './parquet-encoder';
