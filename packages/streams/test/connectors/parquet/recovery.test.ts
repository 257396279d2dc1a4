import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { recordingLogger } from '../../support/recording-logger';
import { parquetSink } from '../../../src/connectors/parquet';
import { commit, flushAndRoll, finalFiles, listFiles, makeLake, open, position, readLake, records, row, Row } from './lake-helpers';

// A "crash" is a writer abandoned without close(): the next one is a new sink instance on the same
// directory, told by recover() where processing resumes (the last completed commit's offsets).

const DIR = 'event_date=2024-01-01';
const sinkOn = (dir: string, rollRows = 4) => parquetSink({ dir, schema: Row, rollRows });

/** Each offset of the lake's final files, with how many rows carry it. */
async function offsetCounts(dir: string): Promise<Map<number, number>> {
  const counts = new Map<number, number>();
  for (const r of await readLake(dir)) counts.set(Number(r._offset), (counts.get(Number(r._offset)) ?? 0) + 1);
  return counts;
}

const once = (from: number, to: number) => new Map(Array.from({ length: to - from }, (_, i) => [from + i, 1]));
/** A staging line as the sink writes it (for setting up the states a crash leaves). */
const line = (offset: number) => `[${offset},${JSON.stringify(row(offset))}]\n`;

describe('parquet sink recovery after a crash', () => {
  let lake: Awaited<ReturnType<typeof makeLake>>;
  beforeEach(async () => {
    lake = await makeLake();
  });
  afterEach(() => lake.remove());

  it('(a) a flush whose commit never completed is undone, and the replay writes every row exactly once', async () => {
    const first = await open(sinkOn(lake.dir));
    await first.recover!(position(0));
    first.write(records(0, 6));
    await flushAndRoll(first, commit(1, 6)); // rolls 0-3; 4-5 stay in staging
    await first.committed!(commit(1, 6));
    first.write(records(6, 10));
    await flushAndRoll(first, commit(2, 10)); // rolls 4-7, which straddles offset 6; crash before commit 2 completes
    expect(await finalFiles(lake.dir)).toEqual([`${DIR}/part-events-0-0-3.parquet`, `${DIR}/part-events-0-4-7.parquet`]);

    const second = await open(sinkOn(lake.dir));
    await second.recover!(position(6));
    // 4-7 is gone (rows 6, 7 are about to come again); rows 4, 5 are back in staging.
    expect(await listFiles(lake.dir)).toEqual([`${DIR}/.staging-events-0-4.jsonl`, `${DIR}/part-events-0-0-3.parquet`]);
    second.write(records(6, 12));
    await flushAndRoll(second, commit(2, 12));
    await second.committed!(commit(2, 12));
    await second.close();

    expect(await finalFiles(lake.dir)).toEqual([
      `${DIR}/part-events-0-0-3.parquet`,
      `${DIR}/part-events-0-4-7.parquet`,
      `${DIR}/part-events-0-8-11.parquet`,
    ]);
    expect(await offsetCounts(lake.dir)).toEqual(once(0, 12));
    expect((await readLake(lake.dir)).map((r) => r.id)).toEqual(records(0, 12).map((r) => r.value.id));
    expect(await listFiles(lake.dir)).toEqual(await finalFiles(lake.dir)); // nothing else left
  });

  it('(a) a file that starts at or after the resume offset is removed, staging is cut, other days too', async () => {
    const first = await open(sinkOn(lake.dir));
    await first.recover!(position(0));
    first.write([...records(0, 3), ...records(3, 5, 1)]); // 0-2 on Jan 1, 3-4 on Jan 2
    await flushAndRoll(first, commit(1, 5));
    first.write(records(5, 10));
    await flushAndRoll(first, commit(2, 10)); // Jan 1 rolls 0,1,2,5 into 0-5; staging 6..9; crash

    const second = await open(sinkOn(lake.dir));
    await second.recover!(position(5));
    expect(await listFiles(lake.dir)).toEqual([`${DIR}/.staging-events-0-0.jsonl`, 'event_date=2024-01-02/.staging-events-0-3.jsonl']);
    second.write(records(5, 10));
    await flushAndRoll(second, commit(2, 10));
    await second.committed!(commit(2, 10));
    await second.close();
    expect(await offsetCounts(lake.dir)).toEqual(once(0, 10));
  });

  // Before 7 December 2026 the row check took any date-time string Date.parse reads; the check now
  // takes only what parseDateTime (the `date-time` format) reads. Committed rows an earlier version
  // staged are still rolled, as Date.parse read them, rather than failing the roll at every restart.
  it('rolls committed rows an earlier version staged with a date-time only Date.parse reads', async () => {
    await mkdir(join(lake.dir, DIR), { recursive: true });
    const earlier = { ...row(1), at: '2024-01-01T24:00:00Z' };
    await writeFile(join(lake.dir, DIR, '.staging-events-0-0.jsonl'), `${line(0)}[1,${JSON.stringify(earlier)}]\n`);
    const writer = await open(sinkOn(lake.dir));
    await writer.recover!(position(2));
    await writer.close();
    expect(await finalFiles(lake.dir)).toEqual([`${DIR}/part-events-0-0-1.parquet`]);
    expect((await readLake(lake.dir)).map((r) => (r.at as Date).toISOString())).toEqual([row(0).at, '2024-01-02T00:00:00.000Z']);
  });

  it('(b) a crash after a roll’s rename but before its staging file is removed loses and repeats nothing', async () => {
    const first = await open(sinkOn(lake.dir));
    await first.recover!(position(0));
    first.write(records(0, 3));
    await flushAndRoll(first, commit(1, 3));
    await first.committed!(commit(1, 3));
    first.write(records(3, 6));
    await flushAndRoll(first, commit(2, 6)); // rolls staging 0-3; commit 2 completes, the crash comes before the staging file goes
    expect(await listFiles(lake.dir)).toEqual([`${DIR}/.staging-events-0-0.jsonl`, `${DIR}/.staging-events-0-4.jsonl`, `${DIR}/part-events-0-0-3.parquet`]);

    const second = await open(sinkOn(lake.dir));
    await second.recover!(position(6));
    expect(await listFiles(lake.dir)).toEqual([`${DIR}/.staging-events-0-4.jsonl`, `${DIR}/part-events-0-0-3.parquet`]);
    second.write(records(6, 8));
    await flushAndRoll(second, commit(3, 8));
    await second.committed!(commit(3, 8));
    await second.close();
    expect(await offsetCounts(lake.dir)).toEqual(once(0, 8));
  });

  it('(b) staging rows already in a final file are dropped, the others kept', async () => {
    const first = await open(sinkOn(lake.dir));
    await first.recover!(position(0));
    first.write(records(0, 4));
    await flushAndRoll(first, commit(1, 4));
    await first.committed!(commit(1, 4));
    // The state of a crash in the middle of a roll of a staging file holding 0..5 (a file of 0..3 made).
    await writeFile(join(lake.dir, DIR, '.staging-events-0-0.jsonl'), [0, 1, 2, 3, 4, 5].map(line).join(''));

    const second = await open(sinkOn(lake.dir));
    await second.recover!(position(6));
    expect(await readFile(join(lake.dir, DIR, '.staging-events-0-4.jsonl'), 'utf8')).toBe(line(4) + line(5));
    expect(await listFiles(lake.dir)).toEqual([`${DIR}/.staging-events-0-4.jsonl`, `${DIR}/part-events-0-0-3.parquet`]);
    await second.close();
    expect(await offsetCounts(lake.dir)).toEqual(once(0, 6));
  });

  it('(c) leftover temporary files are removed; files of other input partitions are left alone', async () => {
    const dir = join(lake.dir, DIR);
    const other = await open(sinkOn(lake.dir));
    await other.recover!(position(0, 1));
    other.write(records(0, 2, 0, 1));
    await flushAndRoll(other, commit(1, 2, 1));
    await writeFile(join(dir, '.part-events-0-8-11.parquet.tmp'), 'PAR1 half a file');
    await writeFile(join(dir, '.staging-events-0-8.jsonl.tmp'), line(8));
    await writeFile(join(dir, '.part-events-1-9-9.parquet.tmp'), 'another instance is writing this');

    const writer = await open(sinkOn(lake.dir));
    await writer.recover!(position(0));
    expect(await listFiles(lake.dir)).toEqual([`${DIR}/.part-events-1-9-9.parquet.tmp`, `${DIR}/.staging-events-1-0.jsonl`]);
  });

  it('cuts a staging line torn by a crash in the middle of an append', async () => {
    const first = await open(sinkOn(lake.dir, 100));
    await first.recover!(position(0));
    first.write(records(0, 3));
    await flushAndRoll(first, commit(1, 3));
    const staging = join(lake.dir, DIR, '.staging-events-0-0.jsonl');
    await writeFile(staging, line(0) + line(1) + line(2) + line(3).slice(0, 20));

    const second = await open(sinkOn(lake.dir, 100));
    await second.recover!(position(3));
    expect(await readFile(staging, 'utf8')).toBe(line(0) + line(1) + line(2));
    second.write(records(3, 5));
    await flushAndRoll(second, commit(2, 5));
    await second.committed!(commit(2, 5));
    await second.close();
    expect(await offsetCounts(lake.dir)).toEqual(once(0, 5));
  });

  it('merges staging copies left by a crash in the middle of a recovery', async () => {
    const dir = join(lake.dir, DIR);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, '.staging-events-0-4.jsonl'), line(4) + line(5) + line(6));
    await writeFile(join(dir, '.staging-events-0-5.jsonl'), line(5) + line(6));
    const writer = await open(sinkOn(lake.dir, 100));
    await writer.recover!(position(10));
    expect(await listFiles(lake.dir)).toEqual([`${DIR}/.staging-events-0-4.jsonl`]);
    expect(await readFile(join(dir, '.staging-events-0-4.jsonl'), 'utf8')).toBe(line(4) + line(5) + line(6));
  });

  it('a staging file from before a clean restart keeps filling', async () => {
    const first = await open(sinkOn(lake.dir, 5));
    await first.recover!(position(0));
    first.write(records(0, 3));
    await flushAndRoll(first, commit(1, 3));
    await first.committed!(commit(1, 3));
    // A crash (or a stop without close): the staging rows are committed and stay.

    const second = await open(sinkOn(lake.dir, 5));
    await second.recover!(position(3));
    second.write(records(3, 5));
    await flushAndRoll(second, commit(2, 5));
    expect(await finalFiles(lake.dir)).toEqual([`${DIR}/part-events-0-0-4.parquet`]);
  });

  it('keeps a final file whose staging is gone when offsets move back into it by hand, and warns', async () => {
    const first = await open(sinkOn(lake.dir));
    await first.recover!(position(0));
    first.write(records(0, 4));
    await flushAndRoll(first, commit(1, 4));
    await first.committed!(commit(1, 4));
    await first.close();
    expect(await listFiles(lake.dir)).toEqual([`${DIR}/part-events-0-0-3.parquet`]);

    const { logger, lines } = recordingLogger();
    const warnings = () => lines.filter((l) => l.level === 'warn').map((l) => l.message);
    const second = await parquetSink({ dir: lake.dir, schema: Row, rollRows: 4 }).open({ applicationId: 't', nodeName: 'n', logger });
    await second.recover!(position(2));
    expect(await finalFiles(lake.dir)).toEqual([`${DIR}/part-events-0-0-3.parquet`]);
    expect(warnings()).toEqual([expect.stringMatching(/straddles the resume offset and its staging file is gone/)]);
  });
});
