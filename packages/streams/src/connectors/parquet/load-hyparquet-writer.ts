import type { ByteWriter, ParquetWriter } from 'hyparquet-writer';

/** The part of hyparquet-writer the sink uses. */
export interface HyparquetWriter {
  readonly ByteWriter: typeof ByteWriter;
  readonly ParquetWriter: typeof ParquetWriter;
}

let loading: Promise<HyparquetWriter> | undefined;

/**
 * Loads hyparquet-writer, an optional peer dependency, the first time a sink opens: importing
 * `@pipeline/streams/parquet` (or the core) does not load it, and a missing one fails with the
 * command that installs it. It is an ES module: loaded with `import()`, which CommonJS can do.
 * @example const { ByteWriter, ParquetWriter } = await loadHyparquetWriter();
 */
export function loadHyparquetWriter(): Promise<HyparquetWriter> {
  loading ??= import('hyparquet-writer').then(
    (lib: Partial<HyparquetWriter>) => {
      if (lib.ParquetWriter === undefined || lib.ByteWriter === undefined) throw new Error('hyparquet-writer has no ParquetWriter or ByteWriter export');
      return { ByteWriter: lib.ByteWriter, ParquetWriter: lib.ParquetWriter };
    },
    (error: unknown) => {
      loading = undefined;
      throw new Error('the parquet sink needs hyparquet-writer 0.17: pnpm add hyparquet-writer@^0.17.0', { cause: error });
    },
  );
  return loading;
}
