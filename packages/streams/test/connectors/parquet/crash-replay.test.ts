import fc from 'fast-check';
import { VirtualClock, type SinkRecord, type SinkWriter } from '../../../src';
import { parquetSink } from '../../../src/connectors/parquet';
import { listFiles, makeLake, open, readLake, record, rollsFinished, row, Row } from './lake-helpers';

/**
 * Property: whatever the batches, roll sizes, ages and crash points, once a last instance has
 * replayed from the last completed commit and closed cleanly, the lake's final files hold every
 * input row exactly once, and no staging file is left.
 */

type After = 'flush' | 'commit' | 'commit-unconfirmed' | 'crash-before-flush' | 'crash-after-flush' | 'crash-after-commit';

interface Scenario {
  /** Per input partition: per record, its day and how many rows it makes (a flatMap). */
  partitions: Array<Array<{ day: number; rows: number }>>;
  steps: Array<{ partition: number; size: number; after: After; advanceMs: number }>;
  rollRows: number;
}

const scenarioArb: fc.Arbitrary<Scenario> = fc.record({
  partitions: fc.array(fc.array(fc.record({ day: fc.integer({ min: 0, max: 2 }), rows: fc.constantFrom(1, 1, 1, 2) }), { maxLength: 30 }), {
    minLength: 1,
    maxLength: 2,
  }),
  steps: fc.array(
    fc.record({
      partition: fc.integer({ min: 0, max: 1 }),
      size: fc.integer({ min: 1, max: 8 }),
      after: fc.constantFrom<After>('flush', 'commit', 'commit', 'commit-unconfirmed', 'crash-before-flush', 'crash-after-flush', 'crash-after-commit'),
      advanceMs: fc.integer({ min: 0, max: 40_000 }),
    }),
    { maxLength: 14 },
  ),
  rollRows: fc.integer({ min: 1, max: 6 }),
});

/** The sink records of input record `offset` of `partition`: one per row it makes. */
function recordsOf(s: Scenario, partition: number, offset: number): SinkRecord<Row>[] {
  const { day, rows } = s.partitions[partition]![offset]!;
  return Array.from({ length: rows }, (_, k) => record(offset, { ...row(offset * 10 + k, day), id: `p${partition}-o${offset}-r${k}` }, 'events', partition));
}

async function run(s: Scenario, dir: string): Promise<void> {
  const clock = new VirtualClock(0);
  const partitions = s.partitions.map((_, p) => p);
  const committed = partitions.map(() => 0); // offsets of the last completed commit
  let committedId = 0;
  const positions = [...committed];
  const start = async (): Promise<SinkWriter<Row>> => {
    const writer = await open(parquetSink({ dir, schema: Row, rollRows: s.rollRows, rollAge: '1m', clock }));
    await writer.recover!(partitions.map((p) => ({ topic: 'events', partition: p, offset: committed[p]! })));
    positions.splice(0, positions.length, ...committed);
    return writer;
  };
  const offsets = () => partitions.map((p) => ({ topic: 'events', partition: p, offset: positions[p]! }));
  let writer = await start();
  // A crash here leaves the rolls its last flush started finished: a process that dies also stops
  // its rolls, which an abandoned writer in this process would not (they would go on writing
  // beside the next writer). Crashes in the middle of a roll are recovery.test.ts's hand-made
  // states, and test/crash's real SIGKILLs.
  const crash = async (): Promise<SinkWriter<Row>> => {
    await rollsFinished(writer);
    return start();
  };

  for (const step of s.steps) {
    const p = step.partition % partitions.length;
    const end = Math.min(positions[p]! + step.size, s.partitions[p]!.length);
    for (let o = positions[p]!; o < end; o++) writer.write(recordsOf(s, p, o));
    positions[p] = end;
    clock.advance(step.advanceMs);
    if (step.after === 'crash-before-flush') {
      writer = await crash();
      continue;
    }
    const info = { id: committedId + 1, offsets: offsets() };
    await writer.flush(info);
    if (step.after === 'crash-after-flush') {
      writer = await crash();
      continue;
    }
    if (step.after === 'flush') continue; // a commit that failed after the flush: the next flush retries it
    committedId = info.id;
    committed.splice(0, committed.length, ...positions);
    if (step.after === 'crash-after-commit') writer = await crash();
    else if (step.after === 'commit') await writer.committed!(info);
  }

  // The last instance replays what is left, commits, and stops cleanly.
  writer = await crash();
  for (const p of partitions) for (let o = positions[p]!; o < s.partitions[p]!.length; o++) writer.write(recordsOf(s, p, o));
  for (const p of partitions) positions[p] = s.partitions[p]!.length;
  const info = { id: committedId + 1, offsets: offsets() };
  await writer.flush(info);
  await writer.committed!(info);
  await writer.close();
}

describe('parquet sink: exactly once across crashes (property)', () => {
  it('holds every input row exactly once in the final files', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb, async (s) => {
        const lake = await makeLake();
        try {
          await run(s, lake.dir);
          const ids = (await readLake(lake.dir)).map((r) => `${String(r.id)}@${String(r._partition)}:${String(r._offset)}`).sort();
          const expected = s.partitions
            .flatMap((records, p) => records.flatMap((_, o) => recordsOf(s, p, o).map((r) => `${r.value.id}@${p}:${o}`)))
            .sort();
          expect(ids).toEqual(expected);
          expect((await listFiles(lake.dir)).filter((f) => !/\/part-[^/]*\.parquet$/.test(f))).toEqual([]);
        } finally {
          await lake.remove();
        }
      }),
      { numRuns: 40 },
    );
  }, 120_000);
});
