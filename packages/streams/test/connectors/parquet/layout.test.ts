import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { VirtualClock, type SinkRecord } from '../../../src';
import { parquetSink } from '../../../src/connectors/parquet';
import { commit, flushAndRoll, finalFiles, listFiles, makeLake, open, position, readLake, readParquet, record, records, rollsFinished, row, Row } from './lake-helpers';

describe('parquet sink layout', () => {
  let lake: Awaited<ReturnType<typeof makeLake>>;
  beforeEach(async () => {
    lake = await makeLake();
  });
  afterEach(() => lake.remove());

  it('puts rows in event_date= partitions by event time (UTC), files named by input partition and offset range', async () => {
    const writer = await open(parquetSink({ dir: lake.dir, schema: Row, rollRows: 1000 }));
    await writer.recover!([...position(0, 0), ...position(0, 1)]);
    // Offsets interleave two days: each day's file holds its own rows, named by first and last offset.
    const day1 = (i: number) => record(i, row(i, 0));
    const day2 = (i: number) => record(i, row(i, 1));
    writer.write([day1(0), day2(1), day1(2), day2(3), day1(4)]);
    writer.write(records(0, 3, 0, 1));
    // 23:59:59.999 UTC still belongs to its day.
    writer.write([record(5, { ...row(5), at: '2024-01-02T23:59:59.999Z' })]);
    await flushAndRoll(writer, commit(1, 6));
    await writer.close();
    expect(await finalFiles(lake.dir)).toEqual([
      'event_date=2024-01-01/part-events-0-0-4.parquet',
      'event_date=2024-01-01/part-events-1-0-2.parquet',
      'event_date=2024-01-02/part-events-0-1-5.parquet',
    ]);
    const rows = await readLake(lake.dir);
    expect(rows.filter((r) => r.file.includes('-0-1-5')).map((r) => r._offset)).toEqual([1n, 3n, 5n]);
  });

  it('rolls exactly every rollRows rows, wherever flushes fall', async () => {
    const writer = await open(parquetSink({ dir: lake.dir, schema: Row, rollRows: 4 }));
    await writer.recover!(position(0));
    const batches = [3, 2, 6, 1];
    let offset = 0;
    let id = 0;
    for (const size of batches) {
      writer.write(records(offset, offset + size));
      offset += size;
      await flushAndRoll(writer, commit(++id, offset));
    }
    expect(await finalFiles(lake.dir)).toEqual([
      'event_date=2024-01-01/part-events-0-0-3.parquet',
      'event_date=2024-01-01/part-events-0-4-7.parquet',
      'event_date=2024-01-01/part-events-0-8-11.parquet',
    ]);
    expect(writer.buffered).toBe(0);
  });

  it('flushes the rows written before the flush; rows written while it runs wait for the next', async () => {
    // The engine writes the next commit's records while a commit's flush runs. Taken into this
    // flush, they could roll into a file that spans the commit's offsets (0..5 here, under a
    // commit at offset 4), which recovery could then neither keep nor delete.
    const writer = await open(parquetSink({ dir: lake.dir, schema: Row, rollRows: 6 }));
    await writer.recover!(position(0));
    writer.write(records(0, 4));
    const flushing = writer.flush(commit(1, 4));
    writer.write(records(4, 6));
    await flushing;
    await rollsFinished(writer);
    expect(await finalFiles(lake.dir)).toEqual([]);
    expect(writer.buffered).toBe(2);
    await flushAndRoll(writer, commit(2, 6));
    expect(await finalFiles(lake.dir)).toEqual(['event_date=2024-01-01/part-events-0-0-5.parquet']);
    expect((await readLake(lake.dir)).map((r) => r._offset)).toEqual([0n, 1n, 2n, 3n, 4n, 5n]);
    await writer.close();
  });

  it('never splits the rows of one input record (a flatMap) across files', async () => {
    const writer = await open(parquetSink({ dir: lake.dir, schema: Row, rollRows: 2 }));
    await writer.recover!(position(0));
    writer.write([record(0, row(0)), record(1, row(1)), record(1, row(2)), record(1, row(3)), record(2, row(4)), record(3, row(5))]);
    await flushAndRoll(writer, commit(1, 4));
    expect(await finalFiles(lake.dir)).toEqual([
      'event_date=2024-01-01/part-events-0-0-1.parquet', // 4 rows: offset 1 is not cut
      'event_date=2024-01-01/part-events-0-2-3.parquet',
    ]);
    expect((await readLake(lake.dir)).map((r) => r.id)).toEqual(['r0', 'r1', 'r2', 'r3', 'r4', 'r5']);
  });

  it('rolls by age (wall clock since the first row, checked at flush)', async () => {
    const clock = new VirtualClock(1_000_000);
    const writer = await open(parquetSink({ dir: lake.dir, schema: Row, rollAge: '5m', clock }));
    await writer.recover!(position(0));
    writer.write(records(0, 2));
    await flushAndRoll(writer, commit(1, 2));
    clock.advance(4 * 60_000);
    writer.write(records(2, 3));
    await flushAndRoll(writer, commit(2, 3));
    expect(await finalFiles(lake.dir)).toEqual([]);
    clock.advance(60_000); // the first row is 5 minutes old
    await flushAndRoll(writer, commit(3, 3)); // no new rows: age alone rolls
    expect(await finalFiles(lake.dir)).toEqual(['event_date=2024-01-01/part-events-0-0-2.parquet']);
    // The next file's age starts at its own first row.
    clock.advance(10 * 60_000);
    writer.write(records(3, 4));
    await flushAndRoll(writer, commit(4, 4));
    expect(await finalFiles(lake.dir)).toHaveLength(1);
    clock.advance(5 * 60_000);
    await flushAndRoll(writer, commit(5, 4));
    expect(await finalFiles(lake.dir)).toHaveLength(2);
    await writer.close();
  });

  // The engine writes the next commit's records while a flush runs. The flush has taken its rows
  // and not staged them yet: a record written then made the segment look empty, and the staging
  // file's age counted from that record (10 s later), so row 0 waited another commit interval.
  it('counts a staging file’s age from its first row, when a record is written while the flush stages it', async () => {
    const clock = new VirtualClock(1_000_000);
    const writer = await open(parquetSink({ dir: lake.dir, schema: Row, rollAge: '1m', clock }));
    await writer.recover!(position(0));
    writer.write(records(0, 1));
    clock.advance(10_000);
    const flushing = writer.flush(commit(1, 1));
    writer.write(records(1, 2));
    await flushing;
    clock.advance(55_000); // row 0 is 65 s old, row 1 55 s
    await flushAndRoll(writer, commit(2, 2));
    expect(await finalFiles(lake.dir)).toEqual(['event_date=2024-01-01/part-events-0-0-1.parquet']);
    await writer.close();
  });

  it('keeps unrolled rows in hidden staging files, which readers skip, and rolls them all on close', async () => {
    const writer = await open(parquetSink({ dir: lake.dir, schema: Row }));
    await writer.recover!(position(0));
    writer.write(records(0, 3));
    expect(writer.buffered).toBe(3);
    await flushAndRoll(writer, commit(1, 3));
    expect(writer.buffered).toBe(0);
    expect(await listFiles(lake.dir)).toEqual(['event_date=2024-01-01/.staging-events-0-0.jsonl']);
    await writer.committed!(commit(1, 3));
    await writer.close();
    // The last commit was confirmed: the staging file went with the roll.
    expect(await listFiles(lake.dir)).toEqual(['event_date=2024-01-01/part-events-0-0-2.parquet']);
  });

  // A reader polling the directory while a file is written: every final name it sees must be whole.
  it.each([
    ['a file made in one flush', [20_000]],
    ['a file rolled from staging', [19_999, 1]],
  ])('never shows a file under its final name before it is complete: %s', async (_, batches) => {
    const writer = await open(parquetSink({ dir: lake.dir, schema: Row, rollRows: 20_000 }));
    await writer.recover!(position(0));
    const dir = join(lake.dir, 'event_date=2024-01-01');
    const seen = new Set<string>();
    let offset = 0;
    for (const [i, size] of batches.entries()) {
      writer.write(records(offset, offset + size));
      offset += size;
      let watching = true;
      const watcher = (async () => {
        while (watching) {
          const names = await readdir(dir).catch(() => [] as string[]);
          for (const name of names) {
            seen.add(name);
            if (name.startsWith('part-')) expect(await readParquet(join(dir, name))).toHaveLength(20_000);
          }
          await new Promise((resolve) => setImmediate(resolve));
        }
      })();
      await flushAndRoll(writer, commit(i + 1, offset));
      watching = false;
      await watcher;
    }
    expect(seen).toContain('.part-events-0-0-19999.parquet.tmp');
    expect(seen).toContain('part-events-0-0-19999.parquet');
    await writer.close();
  });

  it('accepts a custom partitionBy, and rejects paths readers would skip or that leave the lake', async () => {
    const byHour = (r: SinkRecord<Row>) => `event_date=${r.value.at.slice(0, 10)}/hour=${r.value.at.slice(11, 13)}`;
    const writer = await open(parquetSink({ dir: lake.dir, schema: Row, partitionBy: byHour }));
    await writer.recover!(position(0));
    writer.write(records(0, 1));
    await flushAndRoll(writer, commit(1, 1));
    await writer.close();
    expect(await listFiles(lake.dir)).toEqual(['event_date=2024-01-01/hour=12/.staging-events-0-0.jsonl', 'event_date=2024-01-01/hour=12/part-events-0-0-0.parquet']);

    for (const bad of ['../escape', '_hidden', 'a//b', '/abs']) {
      const w = await open(parquetSink({ dir: lake.dir, schema: Row, partitionBy: () => bad }));
      await w.recover!(position(0));
      expect(() => w.write(records(0, 1))).toThrow(/partitionBy returned/);
    }
  });

  /** A writer of partition events:0, recovered at offset 0. */
  async function recovered() {
    const writer = await open(parquetSink({ dir: lake.dir, schema: Row }));
    await writer.recover!(position(0));
    return writer;
  }

  it('rejects records without an input offset, with a message that says why', async () => {
    const aggregate: SinkRecord<Row> = { value: row(0), timestamp: 0, origin: { topic: '', partition: 0, offset: -1, watermark: 0 } };
    await expect(recovered().then((w) => w.write([aggregate]))).rejects.toThrow(/passed through from a source/);
    await expect(recovered().then((w) => w.write([{ value: row(0), timestamp: 0 }]))).rejects.toThrow(/no input offset/);
  });

  it('rejects a row that does not fit the schema at write, naming the record and the column', async () => {
    const bad = (patch: Record<string, unknown>) => recovered().then((w) => w.write([record(7, { ...row(7), ...patch } as Row)]));
    await expect(bad({ n: 1.5 })).rejects.toThrow(/events:0 at offset 7 .*n: expected a safe integer, got 1.5/);
    await expect(bad({ at: 'yesterday' })).rejects.toThrow(/at: expected a date-time string/);
    await expect(bad({ x: Number.NaN })).rejects.toThrow(/x: expected a finite number/);
    await expect(bad({ id: undefined })).rejects.toThrow(/id: required/);
    await expect(bad({ maybe: 'x' })).rejects.toThrow(/maybe: expected a safe integer, got 'x'/);
  });

  // The check fell back to Date.parse, which rolls an impossible day over ('2024-02-30' was written
  // as 1 March), reads 24:00 as the next day, and reads a time with no offset, or '1' (2001-01-01),
  // in the host's time zone: each was written as some instant, though the `date-time` format refuses it.
  it.each(['2024-02-30T12:00:00Z', '2024-01-01T10:00:00', '1', '2024-01-01T24:00:00Z'])(
    'refuses a timestamp string that is not a date-time (%s) at write, naming the column and the value',
    async (at) => {
      const writer = await recovered();
      expect(() => writer.write([record(7, { ...row(7), at })])).toThrow(`events:0 at offset 7 does not fit the schema: at: expected a date-time string, got '${at}'`);
      await writer.close();
    },
  );

  // Half a surrogate pair has no UTF-8 form: it was written as U+FFFD, so 'user\ud800' and
  // 'user\udbff' read back as one value. A whole pair (𝄞) is fine (see read-back). The message shows the half pair
  // escaped: printed as UTF-8 it would be U+FFFD again.
  it.each([
    ['id', { id: 'user\ud800' }, 'user\\ud800'],
    ['id', { id: 'user\udbff' }, 'user\\udbff'],
    ['id', { id: '\udc00user' }, '\\udc00user'],
    ['note', { note: 'a\ud834' }, 'a\\ud834'],
  ])('refuses a string with half a surrogate pair at write, naming the column (%s: %j)', async (column, patch, shown) => {
    const writer = await recovered();
    expect(() => writer.write([record(7, { ...row(7), ...patch })])).toThrow(
      `events:0 at offset 7 does not fit the schema: ${column}: expected a well-formed string, got '${shown}' (half a UTF-16 surrogate pair, which UTF-8 cannot hold)`,
    );
    await writer.close();
  });

  it('fails the write of a record whose event time a Date cannot hold (nanoseconds by mistake), naming the record and the value', async () => {
    const writer = await recovered();
    expect(() => writer.write([{ ...record(7, row(7)), timestamp: 1.7e18 }])).toThrow(
      `parquet sink ${lake.dir}: the record of events:0 at offset 7 has no valid event time (1700000000000000000)`,
    );
    await expect(writer.flush(commit(1, 8))).rejects.toThrow(/an earlier write or flush failed/);
    await writer.close();
    expect(await listFiles(lake.dir)).toEqual([]);
  });

  it('refuses rows of a partition recover() was not told about, and offsets that go back', async () => {
    const unrecovered = await open(parquetSink({ dir: lake.dir, schema: Row }));
    expect(() => unrecovered.write(records(0, 1))).toThrow(/before recover\(\)/);
    const writer = await recovered();
    writer.write(records(5, 6));
    expect(() => writer.write(records(4, 5))).toThrow(/offset 4 of events:0 comes after 5/);
  });

  it('refuses to flush after a write failed part way through a batch', async () => {
    const writer = await recovered();
    expect(() => writer.write([...records(0, 2), record(2, { ...row(2), n: 0.5 })])).toThrow(/n: expected a safe integer/);
    await expect(writer.flush(commit(1, 3))).rejects.toThrow(/an earlier write or flush failed/);
    await writer.close();
    expect(await listFiles(lake.dir)).toEqual([]);
  });

  it('validates its options', () => {
    expect(() => parquetSink({ dir: lake.dir, schema: Row, rollRows: 0 })).toThrow(/rollRows/);
    expect(() => parquetSink({ dir: lake.dir, schema: Row, rollAge: 'soon' as never })).toThrow(/rollAge/);
    expect(() => parquetSink({ dir: lake.dir, schema: Row, compression: 'LZO' as never })).toThrow(/compression/);
    expect(parquetSink({ dir: lake.dir, schema: Row, name: 'lake' })).toMatchObject({ kind: 'parquet', target: 'lake' });
  });

  it('partitions by event time, not by arrival order', async () => {
    const writer = await open(parquetSink({ dir: lake.dir, schema: Row }));
    await writer.recover!(position(0));
    writer.write([record(0, row(0, 2)), record(1, row(1, -1))]);
    await flushAndRoll(writer, commit(1, 2));
    await writer.close();
    expect(await finalFiles(lake.dir)).toEqual(['event_date=2023-12-31/part-events-0-1-1.parquet', 'event_date=2024-01-03/part-events-0-0-0.parquet']);
  });
});
