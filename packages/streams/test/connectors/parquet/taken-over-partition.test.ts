import { silentLogger, type SinkWriter } from '../../../src';
import { parquetSink } from '../../../src/connectors/parquet';
import { filePartition } from '../../../src/connectors/parquet/lake-files';
import { listLake } from '../../../src/connectors/parquet/lake-listing';
import { recoverPartition } from '../../../src/connectors/parquet/recover-partition';
import { readdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { commit, flushAndRoll, listFiles, makeLake, open, position, readLake, records, Row } from './lake-helpers';

// With several instances (scaling 'multi-instance'), the group may drop an instance whose commit
// waits longer than max.poll.interval.ms for a sink, and give its partitions to another. The
// dropped one does not know yet: its commit completes (`committed`), and it then closes its
// sinks as at a stop. Meanwhile the new owner has recovered the partition from the same files and
// writes on. Whatever the old writer does late must not touch the files the new owner now uses:
// each input record stays once in the lake.

const DIR = 'event_date=2024-01-01';
const sinkOn = (dir: string) => parquetSink({ dir, schema: Row, rollRows: 10 });

/** How many rows of the final files carry each offset. */
async function offsetCounts(dir: string): Promise<Record<number, number>> {
  const counts: Record<number, number> = {};
  for (const r of await readLake(dir)) counts[Number(r._offset)] = (counts[Number(r._offset)] ?? 0) + 1;
  return counts;
}
const once = (from: number, to: number) => Object.fromEntries(Array.from({ length: to - from }, (_, i) => [from + i, 1]));

let lake: Awaited<ReturnType<typeof makeLake>>;
beforeEach(async () => {
  lake = await makeLake();
});
afterEach(() => lake.remove());

/** A writer of partition 0 that recovered at `from` and completed commit `id` of rows from..to. */
async function committedWriter(from: number, to: number, id = 1) {
  const writer = await open(sinkOn(lake.dir));
  await writer.recover!(position(from));
  writer.write(records(from, to));
  await writer.flush(commit(id, to));
  await writer.committed!(commit(id, to));
  return writer;
}

/** Writes rows from..to, flushes and rolls them in commit `id`, completes it and stops cleanly. */
async function rollCommitAndClose(writer: Awaited<ReturnType<typeof committedWriter>>, from: number, to: number, id: number): Promise<void> {
  writer.write(records(from, to));
  await flushAndRoll(writer, commit(id, to));
  await writer.committed!(commit(id, to));
  await writer.close();
}

it("a dropped instance's late commit and close leave the new owner's files alone", async () => {
  // Instance a: commit 1 (rows 0-4) completes; commit 2 (rows 5-14) flushes, rolls 0-9, and then
  // waits (for another sink) long enough for the group to drop a.
  const a = await committedWriter(0, 5);
  a.write(records(5, 15));
  await flushAndRoll(a, commit(2, 15));

  // Instance b takes the partition at a's last completed commit, and writes rows 5-7.
  const b = await committedWriter(5, 8);

  // a's commit 2 completes after all; the group has dropped a, so it closes its sinks.
  await a.committed!(commit(2, 15)).catch(() => undefined);
  await a.close().catch(() => undefined);

  // b goes on, and stops cleanly.
  await rollCommitAndClose(b, 8, 20, 2);

  expect(await offsetCounts(lake.dir)).toEqual(once(0, 20));
  expect((await listFiles(lake.dir)).filter((f) => !f.startsWith(`${DIR}/part-`))).toEqual([]);
});

it("a dropped instance's flush after the takeover appends nothing to the new owner's staging, and fails", async () => {
  const a = await committedWriter(0, 5);

  const b = await open(sinkOn(lake.dir));
  await b.recover!(position(5));

  // a's next commit, flushed after b recovered the partition (a zombie's commit in flight).
  a.write(records(5, 9));
  await expect(a.flush(commit(2, 9))).rejects.toThrow(/staging-events-0-0.jsonl is no longer this writer's to append to: another instance has recovered this input partition, and this instance stops here/);
  await a.close();

  await rollCommitAndClose(b, 5, 13, 1);
  expect(await offsetCounts(lake.dir)).toEqual(once(0, 13));
});

it("a dropped instance starts no staging file after the takeover, so its close rolls none into a final file", async () => {
  const a = await committedWriter(0, 5);

  const b = await open(sinkOn(lake.dir));
  await b.recover!(position(5));

  // a's commit in flight holds the first rows of the next day: a staging file b knows nothing of.
  a.write(records(5, 9, 1));
  const late = await a.flush(commit(2, 9)).then(() => undefined, (error: unknown) => error);
  await a.close().catch(() => undefined);

  b.write(records(5, 13, 1));
  await flushAndRoll(b, commit(1, 13));
  await b.committed!(commit(1, 13));
  await b.close();
  expect(await offsetCounts(lake.dir)).toEqual(once(0, 13));
  expect((await listFiles(lake.dir)).filter((f) => !/^event_date=[\d-]+\/part-/.test(f))).toEqual([]);
  expect(String(late)).toMatch(/another instance has recovered this input partition/);
});

it('a clean close leaves the owner markers: removing one could undo a claim that came after the check', async () => {
  // A close that checked its marker and then removed it would remove the marker of an instance
  // whose claim landed in between, and fence the rightful owner: markers stay (tiny, hidden).
  const a = await open(sinkOn(lake.dir));
  await a.recover!([...position(0), ...position(0, 1)]);
  a.write(records(0, 5));
  await a.flush(commit(1, 5));
  await a.committed!(commit(1, 5));
  await a.close();
  expect((await readdir(join(lake.dir, '.owners'))).sort()).toEqual(['events-0', 'events-1']);
  expect(await listFiles(lake.dir)).toEqual([`${DIR}/part-events-0-0-4.parquet`]);
});

/**
 * Instances recovering the partition one after another (from offset 5), until its owner marker and
 * staging file have the inode numbers they had before the first (ext4: after two or three
 * claims; at most 50): returns the last one, which holds the partition.
 */
async function reclaimUntilInodesReturn(): Promise<SinkWriter<Row>> {
  const marker = join(lake.dir, '.owners', 'events-0');
  const staging = join(lake.dir, DIR, '.staging-events-0-0.jsonl');
  const inodes = async () => `${(await stat(marker)).ino}/${(await stat(staging)).ino}`;
  const before = await inodes();
  let owner: SinkWriter<Row> | undefined;
  for (let claims = 0; claims < 50 && (owner === undefined || (await inodes()) !== before); claims++) {
    owner = await open(sinkOn(lake.dir));
    await owner.recover!(position(5));
  }
  return owner!;
}

it('a later claim fences the first writer, though the file system hands its inode numbers to the new files', async () => {
  // Each claim replaces the marker and each recovery rewrites the staging: ext4 gives the freed
  // inode numbers straight to the next new files, so a few claims later a's numbers are c's files.
  const a = await committedWriter(0, 5);

  const c = await reclaimUntilInodesReturn();

  // a's late flush: rows for its staging file (now c's), and the first rows of the next day.
  a.write([...records(5, 8), ...records(8, 10, 1)]);
  await expect(a.flush(commit(2, 10))).rejects.toThrow(/another instance has recovered this input partition/);
  await a.close().catch(() => undefined);

  c.write([...records(5, 8), ...records(8, 14, 1)]);
  await flushAndRoll(c, commit(1, 14));
  await c.committed!(commit(1, 14));
  await c.close();
  expect(await offsetCounts(lake.dir)).toEqual(once(0, 14));
  expect((await listFiles(lake.dir)).filter((f) => !/^event_date=[\d-]+\/part-/.test(f))).toEqual([]);
});

it('a later claim fences the first writer\'s roll too', async () => {
  const a = await committedWriter(0, 5);

  const c = await reclaimUntilInodesReturn();

  // a's close rolls its staging (now c's, rows 0-4): a final file c does not know of.
  const closed = await a.close().then(() => undefined, (error: unknown) => error);
  expect(String(closed)).toMatch(/another instance has recovered this input partition/);
  await rollCommitAndClose(c, 5, 14, 1);
  expect(await offsetCounts(lake.dir)).toEqual(once(0, 14));
});

it('a recovery of several partitions claims them all before it lists the lake', async () => {
  // a writes partitions 0 and 1, partition 1 in 60 date directories: b's recovery of partition 1
  // takes a while. a's late flush of partition 0 comes after b listed the lake: it must be fenced,
  // or it starts a staging file b's listing does not have, under the name b's flush needs.
  const a = await open(sinkOn(lake.dir));
  await a.recover!([...position(0), ...position(0, 1)]);
  for (let day = 0; day < 60; day++) a.write(records(2 * day, 2 * day + 2, day, 1));
  a.write(records(0, 5));
  await a.flush({ id: 1, offsets: [...commit(1, 5).offsets, ...commit(1, 120, 1).offsets] });
  await a.committed!({ id: 1, offsets: [] });

  let lateFlush: Promise<unknown> | undefined;
  const logger = {
    ...silentLogger,
    info(message: string, fields?: Record<string, unknown>) {
      // b has listed the lake and recovered a first directory of partition 1.
      if (lateFlush === undefined && message === 'parquet sink: recovered input partition files' && fields?.['partition'] === 'events:1') {
        a.write(records(5, 9, 100));
        lateFlush = a.flush(commit(2, 9)).then(() => 'accepted', (error: unknown) => error);
      }
    },
    child() {
      return logger;
    },
  };
  const b = await sinkOn(lake.dir).open({ applicationId: 'parquet-test', nodeName: 'sink-1', logger });
  await b.recover!([...position(0, 1), ...position(5)]);
  expect(lateFlush).toBeDefined();
  expect(String(await lateFlush)).toMatch(/another instance has recovered this input partition/);
  await a.close().catch(() => undefined);

  b.write(records(5, 13, 100));
  for (let day = 0; day < 60; day++) b.write(records(2 * day, 2 * day + 2, day, 1));
  await flushAndRoll(b, { id: 1, offsets: [...commit(1, 13).offsets, ...commit(1, 120, 1).offsets] });
  await b.committed!({ id: 1, offsets: [] });
  await b.close();
  const counts: Record<string, number> = {};
  for (const r of await readLake(lake.dir)) counts[`${String(r._partition)}:${String(r._offset)}`] = (counts[`${String(r._partition)}:${String(r._offset)}`] ?? 0) + 1;
  const expected: Record<string, number> = {};
  for (let i = 0; i < 13; i++) expected[`0:${i}`] = 1;
  for (let i = 0; i < 120; i++) expected[`1:${i}`] = 1;
  expect(counts).toEqual(expected);
});

it("a fenced writer's close fails saying the partition was taken over, not with the staging file's absence", async () => {
  const a = await committedWriter(0, 5);

  // b recovers from offset 0 (a's rows were never committed in b's view): a's staging file goes.
  const b = await open(sinkOn(lake.dir));
  await b.recover!(position(0));
  await expect(a.close()).rejects.toThrow(/another instance has recovered this input partition/);
  await b.close();
});

it('a staging file removed between the listing and its recovery counts as gone: the final file rolled from it stays', async () => {
  // The last window of the fence: a dropped instance removes its rolled staging file just after
  // its check, when a recovery has listed the lake. Before, that recovery removed the final file
  // (its staging was listed) and then failed to read the staging: the committed rows of both lost.
  const a = await open(sinkOn(lake.dir));
  await a.recover!(position(0));
  a.write(records(0, 10));
  await flushAndRoll(a, commit(1, 10));
  const listing = await listLake(lake.dir);
  await unlink(join(lake.dir, DIR, '.staging-events-0-0.jsonl'));

  const held = async () => true;
  const files = filePartition('events', 0);
  await recoverPartition(lake.dir, listing, { topic: 'events', partition: 0, files, resume: 5, held }, silentLogger);
  expect(await listFiles(lake.dir)).toEqual([`${DIR}/part-events-0-0-9.parquet`]);
});
