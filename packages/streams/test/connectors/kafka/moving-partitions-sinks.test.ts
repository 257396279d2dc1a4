import { isDeepStrictEqual } from 'node:util';
import type { ColumnType } from 'kysely';
import type { WindowResult } from '../../../src';
import type { KafkaStreams } from '../../../src/connectors/kafka';
import { parquetSink } from '../../../src/connectors/parquet';
import { createPostgresDb, postgresSink } from '../../../src/connectors/postgres';
import { Event } from '../../support/events';
import { createTopic, produce, uniqueName, waitFor } from '../../support/kafka';
import { burstyEvents, crashSwitch, expectedTables, movingPartitionsApp, moveThroughScenario, startInstance, type PlacedEvent } from '../../support/moving-partitions-app';
import { listFiles, makeLake, readLake } from '../parquet/lake-helpers';
import { recordingLogger, scratchSchema, type Scratch } from '../postgres/scratch-db';

jest.setTimeout(240_000);

// The PostgreSQL and lake sinks while partitions move between two instances (b joins, a commit
// fails and its instance stops without committing, it comes back, the other leaves cleanly).
// Each instance numbers its own commits; a partition's new owner recovers from what the old one
// left: the offsets table (exactly-once PostgreSQL sinks), the staging and final files of that
// input partition in the shared date directories (the lake). What must hold whatever ran where:
// the window counts in PostgreSQL are the test driver's, every input event is in the
// exactly-once insert table once, and in the lake's final files once.

interface Db {
  page_view_counts: {
    page_url: string;
    window_start: Date;
    window_end: Date;
    view_count: number;
    updated_at: ColumnType<Date, Date | undefined, Date>;
  };
  /** No key: an event inserted twice shows as two rows. */
  moving_events: { event_time: string; user_id: string };
}

let scratch: Scratch;
beforeAll(async () => {
  scratch = await scratchSchema('moving_sinks');
  await scratch.admin.query('create table moving_events (event_time text not null, user_id text not null)');
});
afterAll(() => scratch.drop());
beforeEach(() => scratch.admin.query('truncate page_view_counts, moving_events; drop table if exists streams_sink_offsets'));

const running: KafkaStreams[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.stop()));
});

it.each(['at_least_once', 'exactly_once'] as const)('%s: PostgreSQL and the lake hold every result and event once while partitions move', async (guarantee) => {
  const partitions = 3;
  const input = uniqueName('moving-sinks-in');
  await createTopic(input, partitions);
  const events = burstyEvents(900, partitions);
  const send = (part: readonly PlacedEvent[]) => produce(input, part.map(({ event, partition }) => ({ value: JSON.stringify(event), key: event.user_id, partition })));
  const db = createPostgresDb<Db>(scratch.url, { max: 4 });
  const lake = await makeLake();
  try {
    // Fails the first flush that holds events once armed: the commit that fails then has rows in
    // PostgreSQL and the lake (their flushes run beside this one's and succeed), which the
    // instance that takes its partitions must find.
    const crash = crashSwitch({ onlyWithEvents: true });
    const app = movingPartitionsApp(uniqueName('moving-sinks-app'), input, crash.sink, undefined, {
      pages: postgresSink({
        db,
        table: 'page_view_counts',
        key: ['page_url', 'window_start'],
        exactlyOnce: true,
        row: (r: WindowResult<string, number>) => ({ page_url: r.key, window_start: new Date(r.windowStart), window_end: new Date(r.windowEnd), view_count: r.value }),
      }),
      events: [
        postgresSink({ db, table: 'moving_events', key: ['event_time'], mode: 'insert', exactlyOnce: true, row: (e: Event) => ({ event_time: e.event_time, user_id: e.user_id }) }),
        // Small files, so that rolls run (in the background) while partitions move.
        parquetSink({ dir: lake.dir, schema: Event, rollRows: 40 }),
      ],
    });
    // Says what the new owners found of what the failed instance wrote past its last commit.
    const log = recordingLogger();
    const start = (instanceId: string) => startInstance(app, guarantee, instanceId, running, log);
    // The failed commit's rows reach PostgreSQL and the lake: only the crash switch's own flush fails.
    const { back } = await moveThroughScenario({ input, partitions, events, send, start, crash });

    const expected = await expectedTables(events, input, partitions);
    const expectedCounts = Object.values(expected.tables.pages)
      .map((r) => `${r.key}|${r.windowStart}=${r.value}`)
      .sort();
    const countsInPostgres = async () =>
      (await scratch.rows<{ page_url: string; window_start: Date; view_count: string }>('select page_url, window_start, view_count from page_view_counts'))
        .map((r) => `${r.page_url}|${r.window_start.getTime()}=${r.view_count}`)
        .sort();
    // Results of windows closed by the last watermarks come with the commits after them.
    await waitFor(async () => isDeepStrictEqual(await countsInPostgres(), expectedCounts), 30_000, "PostgreSQL's counts to equal the test driver's").catch(() => undefined);
    await back.stop();
    expect(crash.fired).toBe(true);
    // The failed commit's rows reached PostgreSQL and the lake (only the crash switch's flush
    // failed), so the instance that took its partitions found them: skipped in PostgreSQL, and
    // its final files past the resume offset removed from the lake.
    const messages = log.lines.map((l) => l.message);
    expect(messages.some((m) => /^postgres sink moving_events: output for .* is in PostgreSQL up to offset \d+; replayed records below it are skipped$/.test(m))).toBe(true);
    expect(log.lines.some((l) => l.message === 'parquet sink: recovered input partition files' && (l.fields['removed'] as string[]).length > 0)).toBe(true);

    expect(await countsInPostgres()).toEqual(expectedCounts);
    const inserted = (await scratch.rows<{ event_time: string }>('select event_time from moving_events')).map((r) => r.event_time).sort();
    const inputTimes = events.map(({ event }) => event.event_time).sort();
    expect(inserted).toEqual(inputTimes);

    // The lake: each input record once in the final files, and nothing left in staging after the clean stop.
    const rows = await readLake(lake.dir);
    const places = rows.map((r) => `${String(r['_partition'])}@${String(r['_offset'])}`);
    expect(new Set(places).size).toBe(places.length);
    expect(rows.map((r) => String(r['event_time'])).sort()).toEqual(inputTimes);
    expect((await listFiles(lake.dir)).filter((f) => !/(^|\/)part-[^/]*\.parquet$/.test(f))).toEqual([]);
  } finally {
    await db.destroy();
    await lake.remove();
  }
});
