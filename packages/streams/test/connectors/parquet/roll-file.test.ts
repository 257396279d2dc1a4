import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parquetColumns } from '../../../src/connectors/parquet/columns';
import { filePartition, writingName } from '../../../src/connectors/parquet/lake-files';
import { loadHyparquetWriter, type HyparquetWriter } from '../../../src/connectors/parquet/load-hyparquet-writer';
import { writeRollFile, type RollJob } from '../../../src/connectors/parquet/roll-file';
import { encodeStagingLines } from '../../../src/connectors/parquet/staging-lines';
import { makeLake, readParquet, row, Row } from './lake-helpers';

// A roll makes a Parquet file from a staging file: these tests check the file it makes, and what
// happens when the staging file is not what the writer staged.

const columns = parquetColumns(Row);
const files = filePartition('events', 2);

/** Stages rows `first..first+count-1` (offsets 100 + i) in `dir` and returns the job that rolls them. */
async function stagedJob(dir: string, first: number, count: number, stagedRows = count): Promise<RollJob> {
  const values = Array.from({ length: count }, (_, i) => row(first + i));
  const offsets = values.map((_, i) => 100 + first + i);
  const path = join(dir, `.staging-${first}.jsonl`);
  await writeFile(path, encodeStagingLines(values, offsets, 0, count));
  return { dir, files, origin: { topic: 'events', partition: 2 }, columns, compression: 'SNAPPY', staging: { path, rows: stagedRows } };
}

describe('writeRollFile', () => {
  let dir: string;
  let remove: () => Promise<void>;
  let lib: HyparquetWriter;
  beforeEach(async () => {
    ({ dir, remove } = await makeLake());
    lib = await loadHyparquetWriter();
  });
  afterEach(() => remove());

  it('makes the Parquet file of a staging file under its temporary name, rows and metadata columns intact', async () => {
    const rolled = await writeRollFile(await stagedJob(dir, 0, 250), lib);
    expect(rolled).toEqual({ temporary: join(dir, writingName(files, 100, 349)), first: 100, last: 349, rows: 250 });
    const rows = await readParquet(rolled.temporary);
    expect(rows).toHaveLength(250);
    expect(rows[0]).toEqual({ ...row(0), at: new Date(row(0).at), n: BigInt(row(0).n), note: 'note 0', _topic: 'events', _partition: 2, _offset: 100n });
    expect(rows[249]!._offset).toBe(349n);
    expect(rows[249]!.id).toBe('r249');
  });

  it('fails a roll whose staging file does not hold the rows staged, or is gone: it makes no file', async () => {
    await expect(writeRollFile(await stagedJob(dir, 0, 10, 11), lib)).rejects.toThrow(/holds 10 rows where 11 were staged/);
    const missing = { ...(await stagedJob(dir, 20, 5)), staging: { path: join(dir, 'gone.jsonl'), rows: 5 } };
    await expect(writeRollFile(missing, lib)).rejects.toThrow(/ENOENT/);
    expect((await readdir(dir)).filter((f) => f.endsWith('.parquet.tmp'))).toEqual([]);
  });
});
