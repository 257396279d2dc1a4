import type { ParquetSchema, ParquetWriter } from '@dsnp/parquetjs';

/** The part of @dsnp/parquetjs the sink uses. */
export interface Parquetjs {
  readonly ParquetSchema: typeof ParquetSchema;
  readonly ParquetWriter: typeof ParquetWriter;
}

let loading: Promise<Parquetjs> | undefined;

/**
 * Loads @dsnp/parquetjs, an optional peer dependency, the first time a sink opens: importing
 * `@pipeline/streams/parquet` (or the core) does not load it, and a missing one fails with the
 * command that installs it.
 * @example const { ParquetWriter } = await loadParquetjs();
 */
export function loadParquetjs(): Promise<Parquetjs> {
  loading ??= import('@dsnp/parquetjs').then(
    (module) => {
      // Under Node's ESM loader a CommonJS module's exports are on `default`; under require, on the module.
      const lib: Partial<Parquetjs> = 'ParquetWriter' in module && module.ParquetWriter ? module : module.default;
      if (lib.ParquetWriter === undefined || lib.ParquetSchema === undefined) throw new Error('@dsnp/parquetjs has no ParquetWriter export');
      return { ParquetSchema: lib.ParquetSchema, ParquetWriter: lib.ParquetWriter };
    },
    (error: unknown) => {
      loading = undefined;
      throw new Error('the parquet sink needs @dsnp/parquetjs 1.8.8: pnpm add @dsnp/parquetjs@1.8.8', { cause: error });
    },
  );
  return loading;
}
