import { readdirSync } from 'node:fs';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parquetColumns } from '../../../src/connectors/parquet/columns';
import { filePartition, writingName } from '../../../src/connectors/parquet/lake-files';
import type { RollJob } from '../../../src/connectors/parquet/roll-file';
import { RollThread } from '../../../src/connectors/parquet/roll-thread';
import { encodeStagingLines } from '../../../src/connectors/parquet/staging-lines';
import { makeLake, readParquet, row, Row } from './lake-helpers';

// The roll thread makes a roll's Parquet file in a worker thread: these tests check the file it
// makes, that it really runs off the calling thread, and what happens when a roll fails.

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

describe('RollThread', () => {
  let dir: string;
  let remove: () => Promise<void>;
  let thread: RollThread;
  beforeEach(async () => {
    ({ dir, remove } = await makeLake());
    thread = new RollThread();
  });
  afterEach(async () => {
    await thread.close();
    await remove();
  });

  it('makes the Parquet file of a staging file under its temporary name, rows and metadata columns intact', async () => {
    const rolled = await thread.roll(await stagedJob(dir, 0, 250));
    expect(rolled).toEqual({ temporary: join(dir, writingName(files, 100, 349)), first: 100, last: 349, rows: 250 });
    const rows = await readParquet(rolled.temporary);
    expect(rows).toHaveLength(250);
    expect(rows[0]).toEqual({ ...row(0), at: new Date(row(0).at), n: BigInt(row(0).n), note: 'note 0', _topic: 'events', _partition: 2, _offset: 100n });
    expect(rows[249]!._offset).toBe(349n);
    expect(rows[249]!.id).toBe('r249');
  });

  it('rolls while the calling thread is busy: the file is made by another thread', async () => {
    const job = await stagedJob(dir, 0, 20_000);
    const rolling = thread.roll(job);
    // The event loop is blocked from here: only another thread can make the file meanwhile.
    const deadline = Date.now() + 20_000;
    const temporary = writingName(files, 100, 20_099);
    let seenWhileBusy = false;
    while (Date.now() < deadline && !seenWhileBusy) {
      seenWhileBusy = readdirSync(dir).includes(temporary);
    }
    expect(seenWhileBusy).toBe(true);
    expect((await rolling).rows).toBe(20_000);
  });

  it('fails a roll whose staging file does not hold the rows staged, or is gone, and the next roll still works', async () => {
    await expect(thread.roll(await stagedJob(dir, 0, 10, 11))).rejects.toThrow(/holds 10 rows where 11 were staged/);
    const missing = { ...(await stagedJob(dir, 20, 5)), staging: { path: join(dir, 'gone.jsonl'), rows: 5 } };
    await expect(thread.roll(missing)).rejects.toThrow(/ENOENT/);
    expect((await thread.roll(await stagedJob(dir, 40, 5))).rows).toBe(5);
    expect((await readdir(dir)).filter((f) => f.endsWith('.parquet.tmp'))).toEqual([writingName(files, 140, 144)]);
  });

  it('fails the rolls in flight when closed, and refuses rolls after', async () => {
    const inFlight = thread.roll(await stagedJob(dir, 0, 20_000));
    await thread.close();
    await expect(inFlight).rejects.toThrow(/roll thread failed/);
    await expect(thread.roll(await stagedJob(dir, 0, 5))).rejects.toThrow(/roll thread is closed/);
  });
});
