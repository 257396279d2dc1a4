import { join } from 'node:path';
import { silentLogger } from '../../../src';
import { METADATA_COLUMNS, parquetColumns } from '../../../src/connectors/parquet/columns';
import { loadHyparquetWriter } from '../../../src/connectors/parquet/load-hyparquet-writer';
import { ParquetEncoder, ROW_GROUP_SIZE, type RowGroups } from '../../../src/connectors/parquet/parquet-encoder';
import { eventDatePartition } from '../../../src/connectors/parquet/partition-path';
import { ParquetSinkWriter } from '../../../src/connectors/parquet/parquet-sink-writer';
import { MAX_QUEUED_ROLLS } from '../../../src/connectors/parquet/roll-queue';
import { rowCheck } from '../../../src/connectors/parquet/row-check';
import { VirtualClock } from '../../../src/time/clock';
import { commit, finalFiles, listFiles, makeLake, position, readLake, records, Row } from './lake-helpers';

// Rolls run in the background, one at a time, and a flush (so a commit) does not wait for them:
// a roll of 100,000 rows takes 0.3-0.6 s of the thread, and a commit held up by it held up every
// result behind it (latency to PostgreSQL p99 2.4-3.0 s at 10,000 events/s when files rolled).

const columns = parquetColumns(Row);

/** An encoder whose writes wait for `release()`, counting how many run at once. */
class HeldEncoder extends ParquetEncoder {
  started = 0;
  running = 0;
  mostAtOnce = 0;
  private gate!: Promise<void>;
  release!: () => void;

  constructor(lib: Awaited<ReturnType<typeof loadHyparquetWriter>>) {
    super(lib, columns, 'SNAPPY');
    this.hold();
  }

  hold(): void {
    this.gate = new Promise((resolve) => (this.release = resolve));
  }

  override async encode(groups: RowGroups): Promise<Uint8Array> {
    this.started++;
    this.running++;
    this.mostAtOnce = Math.max(this.mostAtOnce, this.running);
    try {
      await this.gate;
      return await super.encode(groups);
    } finally {
      this.running--;
    }
  }
}

async function writerWith(dir: string, encoder: ParquetEncoder, rollRows: number): Promise<ParquetSinkWriter> {
  const writer = new ParquetSinkWriter({
    root: dir,
    name: 'lake',
    partitionOf: eventDatePartition(),
    check: rowCheck(columns.slice(0, columns.length - METADATA_COLUMNS.length)),
    columns,
    encoder,
    rollRows,
    rollAgeMs: 60_000,
    clock: new VirtualClock(0),
    logger: silentLogger,
  });
  await writer.recover(position(0));
  return writer;
}

/** Resolves to 'settled' if `promise` settles within a few turns of the event loop, else 'pending'. */
async function stateOf(promise: Promise<unknown>): Promise<'settled' | 'pending'> {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  for (let i = 0; i < 20; i++) await new Promise((r) => setTimeout(r, 5));
  return settled ? 'settled' : 'pending';
}

describe('parquet sink rolls in the background', () => {
  let lake: Awaited<ReturnType<typeof makeLake>>;
  beforeEach(async () => {
    lake = await makeLake();
  });
  afterEach(async () => {
    await lake.remove();
  });

  it('completes the next flushes while a roll is still encoding, and the roll then makes its file', async () => {
    const encoder = new HeldEncoder(await loadHyparquetWriter());
    const writer = await writerWith(lake.dir, encoder, 10);
    writer.write(records(0, 10));
    await writer.flush(commit(1, 10));
    // The roll of rows 0-9 has started and is held; the next two flushes do not wait for it.
    writer.write(records(10, 15));
    expect(await stateOf(writer.flush(commit(2, 15)))).toBe('settled');
    writer.write(records(15, 18));
    expect(await stateOf(writer.flush(commit(3, 18)))).toBe('settled');
    expect(encoder.started).toBe(1);
    expect(await finalFiles(lake.dir)).toEqual([]);

    encoder.release();
    await writer.rollsFinished();
    expect(await finalFiles(lake.dir)).toEqual(['event_date=2024-01-01/part-events-0-0-9.parquet']);
    // Rows 10-17 are staged, durably: the commits that flushed them completed before the roll did.
    expect((await listFiles(lake.dir)).filter((f) => f.includes('staging'))).toHaveLength(2);
    expect((await readLake(lake.dir)).map((r) => r.id)).toEqual(records(0, 10).map((r) => r.value.id));
    await writer.close();
    expect((await readLake(lake.dir)).map((r) => r.id)).toEqual(records(0, 18).map((r) => r.value.id));
  });

  it('runs rolls one at a time, and a flush waits once more than MAX_QUEUED_ROLLS are queued', async () => {
    const encoder = new HeldEncoder(await loadHyparquetWriter());
    const writer = await writerWith(lake.dir, encoder, 5);
    let offset = 0;
    const flushRoll = (id: number) => {
      writer.write(records(offset, offset + 5));
      offset += 5;
      return writer.flush(commit(id, offset));
    };
    // Each flush queues one roll; the first runs (held), the others wait their turn.
    for (let id = 1; id <= MAX_QUEUED_ROLLS + 1; id++) expect(await stateOf(flushRoll(id))).toBe('settled');
    expect(encoder.started).toBe(1);
    // MAX_QUEUED_ROLLS + 1 are queued: this flush waits until one of them is done.
    const waiting = flushRoll(MAX_QUEUED_ROLLS + 2);
    expect(await stateOf(waiting)).toBe('pending');

    encoder.release();
    await waiting;
    await writer.rollsFinished();
    expect(encoder.mostAtOnce).toBe(1);
    expect(await finalFiles(lake.dir)).toHaveLength(MAX_QUEUED_ROLLS + 2);
    // Files are listed by name (offset 10 before offset 5): the rows, in offset order.
    const offsets = (await readLake(lake.dir)).map((r) => Number(r._offset)).sort((x, y) => x - y);
    expect(offsets).toEqual(records(0, offset).map((r) => r.origin!.offset));
    await writer.close();
  });

  it('makes the writer unusable once a roll failed, and leaves the staged rows to recovery', async () => {
    const lib = await loadHyparquetWriter();
    const failing = new (class extends ParquetEncoder {
      override encode(): Promise<Uint8Array> {
        return Promise.reject(new Error('disk full'));
      }
    })(lib, columns, 'SNAPPY');
    const writer = await writerWith(lake.dir, failing, 10);
    writer.write(records(0, 10));
    await writer.flush(commit(1, 10));
    await expect(writer.rollsFinished()).rejects.toThrow('disk full');
    expect(() => writer.write(records(10, 12))).toThrow(/an earlier write or flush failed/);
    await expect(writer.flush(commit(2, 12))).rejects.toThrow(/an earlier write or flush failed/);
    expect(await finalFiles(lake.dir)).toEqual([]);
    expect((await listFiles(lake.dir)).filter((f) => f.includes('staging'))).toHaveLength(1);
  });

  it('writes a file of more rows than ROW_GROUP_SIZE in row groups of that size', async () => {
    const writer = await writerWith(lake.dir, new ParquetEncoder(await loadHyparquetWriter(), columns, 'SNAPPY'), 2 * ROW_GROUP_SIZE + 5);
    const rows = 2 * ROW_GROUP_SIZE + 5;
    writer.write(records(0, rows));
    await writer.flush(commit(1, rows));
    await writer.rollsFinished();
    const [file] = await finalFiles(lake.dir);
    const { asyncBufferFromFile, parquetMetadataAsync } = await import('hyparquet');
    const metadata = await parquetMetadataAsync(await asyncBufferFromFile(join(lake.dir, file!)));
    expect(metadata.row_groups.map((g) => Number(g.num_rows))).toEqual([ROW_GROUP_SIZE, ROW_GROUP_SIZE, 5]);
    expect((await readLake(lake.dir)).map((r) => r.id)).toEqual(records(0, rows).map((r) => r.value.id));
    await writer.close();
  });
});
