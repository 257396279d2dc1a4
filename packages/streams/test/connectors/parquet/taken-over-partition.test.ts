import { parquetSink } from '../../../src/connectors/parquet';
import { readdir } from 'node:fs/promises';
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

it("a dropped instance's late commit and close leave the new owner's files alone", async () => {
  // Instance a: commit 1 (rows 0-4) completes; commit 2 (rows 5-14) flushes, rolls 0-9, and then
  // waits (for another sink) long enough for the group to drop a.
  const a = await open(sinkOn(lake.dir));
  await a.recover!(position(0));
  a.write(records(0, 5));
  await a.flush(commit(1, 5));
  await a.committed!(commit(1, 5));
  a.write(records(5, 15));
  await flushAndRoll(a, commit(2, 15));

  // Instance b takes the partition at a's last completed commit, and writes rows 5-7.
  const b = await open(sinkOn(lake.dir));
  await b.recover!(position(5));
  b.write(records(5, 8));
  await b.flush(commit(1, 8));
  await b.committed!(commit(1, 8));

  // a's commit 2 completes after all; the group has dropped a, so it closes its sinks.
  await a.committed!(commit(2, 15)).catch(() => undefined);
  await a.close().catch(() => undefined);

  // b goes on, and stops cleanly.
  b.write(records(8, 20));
  await flushAndRoll(b, commit(2, 20));
  await b.committed!(commit(2, 20));
  await b.close();

  expect(await offsetCounts(lake.dir)).toEqual(once(0, 20));
  expect((await listFiles(lake.dir)).filter((f) => !f.startsWith(`${DIR}/part-`))).toEqual([]);
});

it("a dropped instance's flush after the takeover appends nothing to the new owner's staging, and fails", async () => {
  const a = await open(sinkOn(lake.dir));
  await a.recover!(position(0));
  a.write(records(0, 5));
  await a.flush(commit(1, 5));
  await a.committed!(commit(1, 5));

  const b = await open(sinkOn(lake.dir));
  await b.recover!(position(5));

  // a's next commit, flushed after b recovered the partition (a zombie's commit in flight).
  a.write(records(5, 9));
  await expect(a.flush(commit(2, 9))).rejects.toThrow(/is not the staging file this writer made: another instance has recovered this input partition/);
  await a.close();

  b.write(records(5, 13));
  await flushAndRoll(b, commit(1, 13));
  await b.committed!(commit(1, 13));
  await b.close();
  expect(await offsetCounts(lake.dir)).toEqual(once(0, 13));
});

it("a dropped instance starts no staging file after the takeover, so its close rolls none into a final file", async () => {
  const a = await open(sinkOn(lake.dir));
  await a.recover!(position(0));
  a.write(records(0, 5));
  await a.flush(commit(1, 5));
  await a.committed!(commit(1, 5));

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

it('a clean close removes the owner markers it still holds: a clean stop leaves nothing but final files', async () => {
  const a = await open(sinkOn(lake.dir));
  await a.recover!([...position(0), ...position(0, 1)]);
  a.write(records(0, 5));
  await a.flush(commit(1, 5));
  await a.committed!(commit(1, 5));
  expect((await readdir(join(lake.dir, '.owners'))).sort()).toEqual(['events-0', 'events-1']);
  await a.close();
  expect(await readdir(join(lake.dir, '.owners'))).toEqual([]);
});
