import { KafkaConsumer } from 'node-rdkafka';
import { listFiles, readLake } from '../connectors/parquet/lake-helpers';
import type { Scratch } from '../connectors/postgres/scratch-db';
import { brokers } from '../support/kafka';
import { expectedCounts, PARTITIONS, type ConsumedEvent } from './crash-input';
import type { CrashEvent, EnrichedEvent } from './crash-topology';
import { readToEnd } from './read-topic';

// What the crash tests check once the fixtures have stopped cleanly: PostgreSQL, the lake, the
// output topic and the group's offsets against the input as the broker holds it. Shared by the
// single-instance (crash.test.ts) and the multi-instance (multi-instance-crash.test.ts) tests.

export interface CrashRun {
  readonly input: string;
  readonly output: string;
  readonly lakeDir: string;
  readonly applicationId: string;
  readonly guarantee: 'at_least_once' | 'exactly_once';
  readonly scratch: Scratch;
  /** How many events were written to the input. */
  readonly events: number;
}

/** What the checks saw, for the case's summary line. */
export interface CrashOutcome {
  readonly outputRecords: number;
  readonly duplicates: number;
  /** Exactly once: records of aborted transactions a read_uncommitted reader sees. */
  readonly abortedRecords: number | undefined;
  readonly countRows: number;
  readonly lateEvents: number;
  readonly lakeFiles: number;
}

/**
 * Checks every output of a run against its input (jest assertions):
 * - PostgreSQL equals a naive count of the same windows with the same lateness rule, late events
 *   left out;
 * - the lake's final files hold every input (_partition, _offset) exactly once, with its values, in
 *   its event_date directory, and nothing else is left (no staging, no temporary file);
 * - the output topic, read_committed, has every event: exactly once under exactly_once;
 * - the group's committed offsets are at the end of the input.
 */
export async function checkCrashRun(run: CrashRun): Promise<CrashOutcome> {
  const { input, output, guarantee, scratch, events } = run;
  // The input as the broker holds it: partition and offset of every event.
  const consumed: ConsumedEvent[] = (await readToEnd(input, 'read_committed')).map((m) => ({
    partition: m.partition,
    offset: m.offset,
    event: JSON.parse(m.value!.toString()) as CrashEvent,
  }));
  expect(consumed).toHaveLength(events);
  const byId = new Map(consumed.map((c) => [c.event.id, c]));

  // PostgreSQL: the counts of a naive computation of the same windows and lateness rule.
  const { counts, late } = expectedCounts(consumed);
  expect(late.length).toBeGreaterThan(0); // the input has late events, and they must stay out
  const rows = await scratch.rows<{ page_url: string; window_start: Date; window_end: Date; view_count: string }>(
    'select page_url, window_start, window_end, view_count from page_view_counts',
  );
  for (const r of rows) expect(r.window_end.getTime() - r.window_start.getTime()).toBe(60_000);
  const table = new Map(rows.map((r) => [`${r.page_url}@${r.window_start.toISOString()}`, Number(r.view_count)]));
  expect(sorted(table)).toEqual(sorted(counts));

  // The lake: every event exactly once in the final files, nothing left in staging.
  expect((await listFiles(run.lakeDir)).filter((f) => !/^event_date=\d{4}-\d{2}-\d{2}\/part-[^/]+\.parquet$/.test(f))).toEqual([]);
  const lake = await readLake(run.lakeDir);
  const inLake = new Map<string, number>();
  const wrongRows: string[] = [];
  for (const row of lake) {
    const at = `${String(row._partition)}:${String(row._offset)}`;
    inLake.set(at, (inLake.get(at) ?? 0) + 1);
    const source = byId.get(String(row.id));
    const expectedDir = `event_date=${source?.event.event_time.slice(0, 10)}/`;
    if (
      source === undefined ||
      row._topic !== input ||
      `${source.partition}:${source.offset}` !== at ||
      (row.event_time as Date).toISOString() !== source.event.event_time ||
      row.user_id !== source.event.user_id ||
      row.page_url !== source.event.page_url ||
      row.event_type !== source.event.event_type ||
      !row.file.startsWith(expectedDir)
    ) {
      wrongRows.push(`${row.file}: ${JSON.stringify(row, (_, v: unknown) => (typeof v === 'bigint' ? Number(v) : v))}`);
    }
  }
  expect({
    missing: consumed.filter((c) => !inLake.has(`${c.partition}:${c.offset}`)).map((c) => c.event.id),
    duplicated: [...inLake].filter(([, n]) => n > 1).map(([at]) => at),
    wrong: wrongRows.slice(0, 5),
  }).toEqual({ missing: [], duplicated: [], wrong: [] });
  expect(lake).toHaveLength(events);

  // The output topic, as a read_committed consumer sees it.
  const out = await readToEnd(output, 'read_committed');
  const copies = new Map<string, number>();
  for (const m of out) {
    const value = JSON.parse(m.value!.toString()) as EnrichedEvent;
    copies.set(value.id, (copies.get(value.id) ?? 0) + 1);
    expect(value).toEqual({ ...byId.get(value.id)?.event, enriched: true });
    expect(m.key?.toString()).toBe(value.user_id);
  }
  expect(consumed.filter((c) => !copies.has(c.event.id)).map((c) => c.event.id)).toEqual([]);
  const duplicates = out.length - copies.size;
  let abortedRecords: number | undefined;
  if (guarantee === 'exactly_once') {
    expect(duplicates).toBe(0);
    expect(out).toHaveLength(events);
    // What the aborted transactions of the killed instances held: seen only by read_uncommitted.
    abortedRecords = (await readToEnd(output, 'read_uncommitted')).length - events;
  }

  // The group's committed offsets are at the end of the input.
  expect(await committedOffsets(run.applicationId, input)).toEqual(endOffsets(consumed));

  return { outputRecords: out.length, duplicates, abortedRecords, countRows: counts.size, lateEvents: late.length, lakeFiles: new Set(lake.map((r) => r.file)).size };
}

/** The outcome in words, for a case's summary line. */
export function describeOutcome(o: CrashOutcome, events: number): string {
  const aborted = o.abortedRecords === undefined ? '' : `; ${o.abortedRecords} records of aborted transactions (read_uncommitted)`;
  return (
    `output topic: ${o.outputRecords} records for ${events} events, ${o.duplicates} duplicates${aborted}; ` +
    `${o.countRows} count rows, ${o.lateEvents} late events left out; lake: ${o.lakeFiles} files`
  );
}

function sorted(map: ReadonlyMap<string, number>): Array<[string, number]> {
  return [...map].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function endOffsets(consumed: readonly ConsumedEvent[]): Record<number, number> {
  const end: Record<number, number> = {};
  for (const c of consumed) end[c.partition] = Math.max(end[c.partition] ?? 0, c.offset + 1);
  return end;
}

/** The consumer group's committed offsets of `topic`, by partition. */
async function committedOffsets(groupId: string, topic: string): Promise<Record<number, number>> {
  const consumer = new KafkaConsumer({ 'metadata.broker.list': brokers, 'group.id': groupId, 'enable.auto.commit': false }, {});
  await new Promise<void>((resolve, reject) => consumer.connect({}, (err) => (err ? reject(err) : resolve())));
  try {
    const partitions = Array.from({ length: PARTITIONS }, (_, partition) => ({ topic, partition }));
    const committed = await new Promise<Array<{ partition: number; offset?: number }>>((resolve, reject) =>
      consumer.committed(partitions, 10_000, (err, tps) => (err ? reject(err) : resolve(tps))),
    );
    return Object.fromEntries(committed.map((c) => [c.partition, c.offset ?? -1]));
  } finally {
    await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
  }
}
