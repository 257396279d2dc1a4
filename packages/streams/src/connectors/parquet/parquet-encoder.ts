import { open } from 'node:fs/promises';
import type { ParquetSchema } from '@dsnp/parquetjs';
import type { ParquetColumn } from './columns';
import type { Parquetjs } from './load-parquetjs';
import type { RowSource } from './row-sources';

export type ParquetCompression = 'SNAPPY' | 'GZIP' | 'UNCOMPRESSED';

/** Rows per row group: large groups compress and scan better; parquetjs holds one group in memory. */
const ROW_GROUP_SIZE = 50_000;

/**
 * Writes rows as one Parquet file and syncs it. The caller gives a temporary name and renames the
 * file once this resolves, so a crash never leaves a partial file under a final name.
 *
 * @example
 * const encoder = new ParquetEncoder(await loadParquetjs(), parquetColumns(Event), 'SNAPPY');
 * await encoder.write('/lake/d/.part-events-0-0-9.parquet.tmp', stagedRows(lines, columns, { topic: 'events', partition: 0 }));
 */
export class ParquetEncoder {
  private readonly schema: ParquetSchema;

  constructor(
    private readonly lib: Parquetjs,
    columns: readonly ParquetColumn[],
    compression: ParquetCompression,
  ) {
    this.schema = new lib.ParquetSchema(
      Object.fromEntries(columns.map((c) => [c.name, { type: c.type, optional: c.optional, compression }])),
    );
  }

  /** Writes the rows of `source` to `path`, in order, and syncs the file. */
  async write(path: string, source: RowSource): Promise<void> {
    // Data pages v1: the variant every reader (older Spark and Hive included) understands.
    const writer = await this.lib.ParquetWriter.openFile(this.schema, path, { rowGroupSize: ROW_GROUP_SIZE, useDataPageV2: false });
    try {
      for (let i = 0; i < source.length; i++) await writer.appendRow(source.row(i));
    } catch (error) {
      // Release the file; the temporary file left behind is removed by the next recovery.
      await Promise.resolve(writer.envelopeWriter?.close()).catch(() => undefined);
      throw error;
    }
    await writer.close();
    // parquetjs ends its stream without syncing: sync through a handle of our own.
    const handle = await open(path, 'r+');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }
}
