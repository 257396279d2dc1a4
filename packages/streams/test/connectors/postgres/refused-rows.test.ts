import type { Kysely } from 'kysely';
import type { SinkRecord } from '../../../src';
import { postgresSink, type PostgresSinkOptions } from '../../../src/connectors/postgres';
import { rowJson } from '../../../src/connectors/postgres/refused-rows';
import { commit, T0 } from './records';
import { recordingLogger, scratchSchema, type Scratch } from './scratch-db';

let scratch: Scratch;
beforeAll(async () => {
  scratch = await scratchSchema('refused_rows');
  await scratch.admin.query(`
    create table visits (user_id varchar(8) primary key, visits integer not null check (visits >= 0), note text);
    create table days (day date primary key, n integer not null);
    create table visit_log (seq bigint primary key, user_id varchar(8) not null)`);
});
afterAll(() => scratch.drop());
beforeEach(() => scratch.admin.query('drop table if exists visit_notes; truncate visits, days, visit_log; drop table if exists streams_refused_rows, streams_sink_offsets, my_refused'));

interface Visit {
  readonly user_id: string;
  readonly visits: number;
  readonly note?: string | null;
}
interface VisitsDb {
  visits: Visit;
  days: { day: Date | string; n: number };
  visit_log: { seq: number; user_id: string };
}
interface RefusedRow {
  sink: string;
  target_table: string;
  operation: string;
  row_json: string;
  sqlstate: string;
  reason: string;
  commit_id: string;
}

const db = () => scratch.db() as unknown as Kysely<VisitsDb>;
const context = (logger = recordingLogger()) => ({ applicationId: 'refused-test', nodeName: 'to-1', logger });
const record = <T>(value: T, offset = -1): SinkRecord<T> => ({
  value,
  timestamp: T0,
  origin: { topic: 'events', partition: 0, offset, watermark: T0 },
});
const visitsSink = (options: Partial<PostgresSinkOptions<VisitsDb, 'visits', Visit>> = {}) =>
  postgresSink({ db: db(), table: 'visits', key: ['user_id'], row: (v: Visit) => v, ...options });
const visits = () => scratch.rows<{ user_id: string; visits: number }>('select user_id, visits from visits order by 1');
const refused = (table = 'streams_refused_rows') =>
  scratch.rows<RefusedRow>(`select sink, target_table, operation, row_json, sqlstate, reason, commit_id from ${table} order by id`);

describe('postgres sink: rows the table refuses', () => {
  it("by default stop the sink: the flush fails naming the value, and nothing of it is written ('stop')", async () => {
    const writer = await visitsSink().open(context());
    writer.write([record({ user_id: 'a', visits: 1 }), record({ user_id: 'b', visits: -1 })]);
    await expect(writer.flush(commit(1))).rejects.toThrow(/violates check constraint "visits_visits_check".*\(23514\)/);
    expect(await visits()).toEqual([]);
  });

  it("with 'set-aside' go to the refused-rows table with the reason, in the flush that writes the others", async () => {
    const logger = recordingLogger();
    const writer = await visitsSink({ refusedRows: 'set-aside', batchSize: 100 }).open(context(logger));
    // 1,000 rows in statements of 100, three of them refused, each for a reason of its own.
    const rows: Visit[] = Array.from({ length: 1000 }, (_, i) => ({ user_id: `u${i}`, visits: i }));
    rows[17] = { user_id: 'u17', visits: -3 }; // check constraint
    rows[512] = { user_id: 'u512-too-long', visits: 512 }; // varchar(8)
    rows[999] = { user_id: 'u999', visits: 999, note: 'a\u0000b' }; // text holding U+0000
    writer.write(rows.map((r) => record(r)));
    await writer.flush(commit(7));

    const written = await visits();
    expect(written).toHaveLength(997);
    expect(written.map((r) => r.user_id)).not.toContain('u17');
    expect(written.find((r) => r.user_id === 'u998')).toEqual({ user_id: 'u998', visits: 998 });
    const aside = await refused();
    expect(aside.map(({ reason, ...r }) => ({ ...r, reason: reason.replace(/:.*\(/, ': … (') }))).toEqual([
      {
        sink: 'refused-test.visits',
        target_table: 'visits',
        operation: 'put',
        row_json: '{"user_id":"u17","visits":-3}',
        sqlstate: '23514',
        reason: 'a row violates a constraint ("visits_visits_check"): … (23514)',
        commit_id: '7',
      },
      {
        sink: 'refused-test.visits',
        target_table: 'visits',
        operation: 'put',
        row_json: '{"user_id":"u512-too-long","visits":512}',
        sqlstate: '22001',
        reason: 'a value does not fit its column: … (22001)',
        commit_id: '7',
      },
      {
        sink: 'refused-test.visits',
        target_table: 'visits',
        operation: 'put',
        row_json: '{"user_id":"u999","visits":999,"note":"a\\u0000b"}',
        sqlstate: '22021',
        reason: 'a value does not fit its column: … (22021)',
        commit_id: '7',
      },
    ]);
    expect(JSON.parse(aside[2]!.row_json)).toEqual(rows[999]);
    const warnings = logger.lines.filter((l) => l.level === 'warn');
    expect(warnings).toEqual([
      expect.objectContaining({
        message: 'postgres sink visits: rows the table refused were set aside',
        fields: expect.objectContaining({ rows: 3, refusedRowsTable: 'streams_refused_rows', commitId: 7 }),
      }),
    ]);

    // The next flush is written whole, on the fast path again.
    writer.write([record({ user_id: 'u17', visits: 17 })]);
    await writer.flush(commit(8));
    expect((await visits()).find((r) => r.user_id === 'u17')).toEqual({ user_id: 'u17', visits: 17 });
    expect(await refused()).toHaveLength(3);
  });

  it('writes the rest in order: a later row of a key still wins over an earlier one', async () => {
    const writer = await visitsSink({ refusedRows: 'set-aside', refusedRowsTable: 'my_refused', batchSize: 2 }).open(context());
    // Upserts across flushes of one key, with a refused row between them in the same flush.
    writer.write([record({ user_id: 'a', visits: 1 }), record({ user_id: 'b', visits: -1 }), record({ user_id: 'c', visits: 3 })]);
    await writer.flush(commit(1));
    writer.write([record({ user_id: 'a', visits: 2 }), record({ user_id: 'x', visits: -1 }), record({ user_id: 'c', visits: 4 })]);
    await writer.flush(commit(2));
    expect(await visits()).toEqual([
      { user_id: 'a', visits: 2 },
      { user_id: 'c', visits: 4 },
    ]);
    expect((await refused('my_refused')).map((r) => [r.row_json, r.commit_id])).toEqual([
      ['{"user_id":"b","visits":-1}', '1'],
      ['{"user_id":"x","visits":-1}', '2'],
    ]);
  });

  it('keeps one entry per key: a replay of the same results adds none, a later refused version of the key replaces it', async () => {
    // Aggregated results (origin offset -1) are replayed after a restart even with exactlyOnce.
    const first = await visitsSink({ refusedRows: 'set-aside' }).open(context());
    first.write([record({ user_id: 'a', visits: 1 }), record({ user_id: 'b', visits: -1 })]);
    await first.flush(commit(1));
    await first.close();
    const second = await visitsSink({ refusedRows: 'set-aside' }).open(context());
    second.write([record({ user_id: 'a', visits: 1 }), record({ user_id: 'b', visits: -1 })]);
    await second.flush(commit(1));
    expect((await refused()).map((r) => [r.row_json, r.commit_id])).toEqual([['{"user_id":"b","visits":-1}', '1']]);
    second.write([record({ user_id: 'b', visits: -2 })]);
    await second.flush(commit(2));
    expect((await refused()).map((r) => [r.row_json, r.commit_id])).toEqual([['{"user_id":"b","visits":-2}', '2']]);
  });

  it('sets aside a flush whose every row is refused, more rows than one statement of entries takes', async () => {
    const writer = await visitsSink({ refusedRows: 'set-aside' }).open(context());
    writer.write(Array.from({ length: 1500 }, (_, i) => record({ user_id: `u${i}`, visits: -1 })));
    await writer.flush(commit(1));
    expect(await visits()).toEqual([]);
    expect(await scratch.rows('select count(*)::int as n, count(distinct row_key)::int as keys from streams_refused_rows')).toEqual([{ n: 1500, keys: 1500 }]);
  });

  it('makes the entries index of a refused-rows table that lacks it (made by hand, or by a start stopped between the two)', async () => {
    await scratch.admin.query('create table my_refused (id bigserial primary key, sink text not null, target_table text not null, operation text not null, row_key text not null, row_json text not null, sqlstate text not null, reason text not null, commit_id bigint not null, refused_at timestamptz not null default now())');
    const writer = await visitsSink({ refusedRows: 'set-aside', refusedRowsTable: 'my_refused' }).open(context());
    writer.write([record({ user_id: 'a', visits: -1 })]);
    // Before: every set-aside failed, ON CONFLICT finding no unique index (42P10).
    await writer.flush(commit(1));
    expect((await refused('my_refused')).map((r) => r.row_json)).toEqual(['{"user_id":"a","visits":-1}']);
  });

  it("sets aside a retraction the table refuses, as a 'delete'", async () => {
    await scratch.admin.query("create table visit_notes (user_id varchar(8) not null references visits (user_id)); insert into visits values ('a', 1); insert into visit_notes values ('a')");
    try {
      const writer = await visitsSink({ refusedRows: 'set-aside' }).open(context());
      writer.write([{ ...record({ user_id: 'a', visits: 1 }), retract: true }, record({ user_id: 'b', visits: 2 })]);
      await writer.flush(commit(1));
      expect(await visits()).toEqual([
        { user_id: 'a', visits: 1 },
        { user_id: 'b', visits: 2 },
      ]);
      expect((await refused()).map((r) => [r.operation, r.sqlstate, r.row_json])).toEqual([['delete', '23503', '{"user_id":"a","visits":1}']]);
    } finally {
      await scratch.admin.query('drop table visit_notes');
    }
  });

  it('insert mode without exactlyOnce: a row replayed into a table whose key is unique is set aside as a duplicate (23505), once', async () => {
    const sink = () => postgresSink({ db: db(), table: 'visit_log', key: ['seq'], mode: 'insert', refusedRows: 'set-aside', row: (v: { seq: number; user_id: string }) => v });
    for (let run = 0; run < 3; run++) {
      const writer = await sink().open(context());
      writer.write([record({ seq: 1, user_id: 'u1' }, 1), record({ seq: run + 2, user_id: 'u2' }, run + 2)]);
      await writer.flush(commit(1));
      await writer.close();
    }
    expect((await scratch.rows<{ seq: string }>('select seq from visit_log order by seq')).map((r) => Number(r.seq))).toEqual([1, 2, 3, 4]);
    expect((await refused()).map((r) => [r.sqlstate, r.row_json])).toEqual([['23505', '{"seq":1,"user_id":"u1"}']]);
  });

  it('writes both rows PostgreSQL takes for one key (21000) one after the other, the later winning, and sets none aside', async () => {
    const sink = postgresSink({ db: db(), table: 'days', key: ['day'], row: (d: { day: Date; n: number }) => d, refusedRows: 'set-aside' });
    const writer = await sink.open(context());
    // Two instants of one day: two keys to the sink, one to a date column.
    writer.write([record({ day: new Date('2024-01-01T10:00:00Z'), n: 1 }), record({ day: new Date('2024-01-01T11:00:00Z'), n: 2 })]);
    await writer.flush(commit(1));
    expect(await scratch.rows("select to_char(day, 'YYYY-MM-DD') as day, n from days")).toEqual([{ day: '2024-01-01', n: 2 }]);
    expect(await refused()).toEqual([]);
  });

  it('still stops on an error that every row would meet (a column dropped since the start)', async () => {
    await scratch.admin.query('alter table visits add column extra text');
    try {
      const writer = await visitsSink({ refusedRows: 'set-aside', row: (v: Visit) => ({ ...v, extra: 'e' }) as Visit }).open(context());
      await scratch.admin.query('alter table visits drop column extra');
      writer.write([record({ user_id: 'a', visits: 1 })]);
      await expect(writer.flush(commit(1))).rejects.toThrow(/column "extra" of relation "visits" does not exist.*\(42703\)/);
      expect(await refused()).toEqual([]);
    } finally {
      await scratch.admin.query('alter table visits drop column if exists extra');
    }
  });

  it('exactly once: a refused row is set aside once, whatever the restarts replay', async () => {
    const logSink = () =>
      postgresSink({
        db: db(),
        table: 'visit_log',
        key: ['seq'],
        mode: 'insert',
        exactlyOnce: true,
        refusedRows: 'set-aside',
        row: (v: { seq: number; user_id: string }) => v,
      });
    const events = (from: number, to: number) =>
      Array.from({ length: to - from }, (_, i) => from + i).map((seq) => record({ seq, user_id: seq % 4 === 0 ? `user-${seq}-too-long` : `u${seq}` }, seq));
    const offsetsAt = (next: number) => [{ topic: 'events', partition: 0, offset: next }];

    const first = await logSink().open(context());
    await first.recover!(offsetsAt(0));
    first.write(events(0, 10));
    await first.flush(commit(1, offsetsAt(10)));
    await first.close();

    // The source's last commit was at 5: 5..9 come again, then 10..13 for the first time.
    const second = await logSink().open(context());
    await second.recover!(offsetsAt(5));
    second.write(events(5, 14));
    await second.flush(commit(1, offsetsAt(14)));

    const logged = await scratch.rows<{ seq: string }>('select seq from visit_log order by seq');
    expect(logged.map((r) => Number(r.seq))).toEqual([1, 2, 3, 5, 6, 7, 9, 10, 11, 13]);
    expect((await refused()).map((r) => JSON.parse(r.row_json).seq)).toEqual([0, 4, 8, 12]);
    expect(await scratch.rows('select next_offset::int from streams_sink_offsets')).toEqual([{ next_offset: 14 }]);
  });

  it("refuses a refusedRows setting other than 'stop' and 'set-aside' when the sink is declared", () => {
    expect(() => visitsSink({ refusedRows: 'skip' as never })).toThrow("postgres sink visits: refusedRows must be 'stop' or 'set-aside', not skip");
  });

  it('keeps a refused row as JSON text: Dates as ISO times, bigints as digits, bytes in hex, U+0000 and half surrogates escaped', () => {
    const row = { at: new Date(T0), big: 2n ** 70n, bytes: Buffer.from([0, 255]), view: new Uint8Array([1, 2]), text: 'a\u0000\ud800' };
    expect(rowJson(row)).toBe('{"at":"2024-01-01T12:00:00.000Z","big":"1180591620717411303424","bytes":"\\\\x00ff","view":"\\\\x0102","text":"a\\u0000\\ud800"}');
  });
});
