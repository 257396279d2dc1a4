import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parquetColumns } from '../../../src/connectors/parquet/columns';
import { writeRollFile, type StagedFile } from '../../../src/connectors/parquet/final-file';
import { filePartition, stagingName, writingName } from '../../../src/connectors/parquet/lake-files';
import { loadHyparquetWriter } from '../../../src/connectors/parquet/load-hyparquet-writer';
import { ParquetEncoder, ROW_GROUP_SIZE } from '../../../src/connectors/parquet/parquet-encoder';
import { encodeStagingLines, readStagingLines } from '../../../src/connectors/parquet/staging-lines';
import { makeLake, readParquet, row, Row } from './lake-helpers';

// A roll makes a Parquet file from a staging file: these tests check the file it makes, and what
// happens when the staging file is not what the writer staged.

const columns = parquetColumns(Row);
const files = filePartition('events', 2);
const input = { topic: 'events', partition: 2, files, lastOffset: -1, segments: new Map(), ownerToken: '' };

/** Stages rows `first..first+count-1` (offsets 100 + i) in `dir`; the staged file says `stagedRows`. */
async function staged(dir: string, first: number, count: number, stagedRows = count): Promise<StagedFile> {
  const values = Array.from({ length: count }, (_, i) => row(first + i));
  const offsets = values.map((_, i) => 100 + first + i);
  await writeFile(join(dir, stagingName(files, 100 + first)), encodeStagingLines(values, offsets, 0, count, Object.keys(Row.properties)));
  return { dir: '', input, stagingFirst: 100 + first, stagedRows };
}

describe('readStagingLines', () => {
  let dir: string;
  let remove: () => Promise<void>;
  beforeEach(async () => ({ dir, remove } = await makeLake()));
  afterEach(() => remove());

  it('gives every complete line once, in order, whatever the chunks cut through: characters, lines longer than a chunk', async () => {
    const lines = ['[1,{"a":"x"}]', '[2,{"a":"ünïcødé €"}]', `[3,{"a":"${'long '.repeat(10)}"}]`, '[4,{}]', '[5,{"a":"🙂"}]'];
    const path = join(dir, 'staging');
    await writeFile(path, `${lines.join('\n')}\n[6,{"torn`);
    for (const chunk of [1, 3, 7, 16, 1 << 20]) {
      const read: string[] = [];
      for await (const some of readStagingLines(path, chunk)) read.push(...some);
      expect({ chunk, read }).toEqual({ chunk, read: lines });
    }
    for (const text of ['', '[1,{"torn']) {
      await writeFile(path, text);
      const read: string[] = [];
      for await (const some of readStagingLines(path, 4)) read.push(...some);
      expect({ text, read }).toEqual({ text, read: [] });
    }
  });
});

describe('writeRollFile', () => {
  let dir: string;
  let remove: () => Promise<void>;
  let encoder: ParquetEncoder;
  beforeEach(async () => {
    ({ dir, remove } = await makeLake());
    encoder = new ParquetEncoder(await loadHyparquetWriter(), columns, 'SNAPPY');
  });
  afterEach(() => remove());

  it('makes the Parquet file of a staging file under its temporary name, rows and metadata columns intact', async () => {
    const rolled = await writeRollFile(dir, await staged(dir, 0, 250), columns, encoder);
    expect(rolled).toEqual({ temporary: join(dir, writingName(files, 100, 349)), first: 100, last: 349, rows: 250 });
    const rows = await readParquet(rolled.temporary);
    expect(rows).toHaveLength(250);
    expect(rows[0]).toEqual({ ...row(0), at: new Date(row(0).at), n: BigInt(row(0).n), note: 'note 0', _topic: 'events', _partition: 2, _offset: 100n });
    expect(rows[249]!._offset).toBe(349n);
    expect(rows[249]!.id).toBe('r249');
  });

  it('writes a staging file of several row groups, read in chunks, into one file of those groups', async () => {
    const count = 2 * ROW_GROUP_SIZE + 17;
    const rolled = await writeRollFile(dir, await staged(dir, 0, count), columns, encoder);
    expect(rolled).toMatchObject({ first: 100, last: 100 + count - 1, rows: count });
    const { asyncBufferFromFile, parquetMetadataAsync } = await import('hyparquet');
    const metadata = await parquetMetadataAsync(await asyncBufferFromFile(rolled.temporary));
    expect(metadata.row_groups.map((g) => Number(g.num_rows))).toEqual([ROW_GROUP_SIZE, ROW_GROUP_SIZE, 17]);
    const rows = await readParquet(rolled.temporary);
    expect(rows.map((r) => Number(r._offset))).toEqual(Array.from({ length: count }, (_, i) => 100 + i));
    expect(rows.map((r) => r.id)).toEqual(Array.from({ length: count }, (_, i) => row(i).id));
  });

  it('fails a roll whose staging file does not hold the rows staged, or is gone: it makes no file', async () => {
    await expect(writeRollFile(dir, await staged(dir, 0, 10, 11), columns, encoder)).rejects.toThrow(/holds 10 rows where 11 were staged/);
    await expect(writeRollFile(dir, await staged(dir, 20, 12, 10), columns, encoder)).rejects.toThrow(/holds 12 rows where 10 were staged/);
    const missing: StagedFile = { dir: '', input, stagingFirst: 999, stagedRows: 5 };
    await expect(writeRollFile(dir, missing, columns, encoder)).rejects.toThrow(/ENOENT/);
    expect((await readdir(dir)).filter((f) => f.endsWith('.parquet.tmp'))).toEqual([]);
  });
});
