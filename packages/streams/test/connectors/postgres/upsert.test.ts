import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Kysely, LogEvent } from 'kysely';
import { silentLogger, type SinkWriter } from '../../../src';
import { postgresSink } from '../../../src/connectors/postgres';
import { commit, count, COUNTS_QUERY, countsSink, summarize, T0, type Count, type CountRow } from './records';
import { scratchSchema, type Scratch } from './scratch-db';

let scratch: Scratch;
beforeAll(async () => {
  scratch = await scratchSchema('upsert');
});
afterAll(() => scratch.drop());
beforeEach(() => scratch.admin.query('truncate page_view_counts'));

const context = { applicationId: 'upsert-test', nodeName: 'to-1', logger: silentLogger };

/** Tables of the jsonb test, made there. */
interface DocsDb {
  docs: { id: string; body: unknown };
  codes: { code: string; label: string; flags: string };
  prices: { amount: number; at: Date; label: string };
  tagged_docs: { id: string; body: unknown; tags: string[] | null };
}
const counts = async () => summarize(await scratch.rows<CountRow>(COUNTS_QUERY));

async function openCounts(options: { batchSize?: number; log?: (e: LogEvent) => void } = {}): Promise<SinkWriter<Count>> {
  const db = scratch.db(options.log ? { log: options.log } : {});
  return countsSink({ db, ...(options.batchSize ? { batchSize: options.batchSize } : {}) }).open(context);
}

describe('postgres sink: upserts', () => {
  it('buffers on write and writes nothing before flush', async () => {
    const writer = await openCounts();
    writer.write([count('/a', 0, 1), count('/b', 0, 2)]);
    expect(writer.buffered).toBe(2);
    expect(await counts()).toEqual([]);
    await writer.flush(commit(1));
    expect(writer.buffered).toBe(0);
    expect(await counts()).toEqual(['/a@0=1', '/b@0=2']);
  });

  it('is idempotent: flushing the same commit again leaves the same rows', async () => {
    const writer = await openCounts();
    const batch = [count('/a', 0, 3), count('/a', 1, 1), count('/b', 0, 7)];
    writer.write(batch);
    await writer.flush(commit(1));
    const first = await counts();
    writer.write(batch); // a replay after a crash: the same absolute values
    await writer.flush(commit(1));
    expect(await counts()).toEqual(first);
    expect(first).toEqual(['/a@0=3', '/a@1=1', '/b@0=7']);
  });

  it('overwrites with absolute values across flushes, never adds', async () => {
    const writer = await openCounts();
    writer.write([count('/a', 0, 1)]);
    await writer.flush(commit(1));
    writer.write([count('/a', 0, 2)]);
    await writer.flush(commit(2));
    expect(await counts()).toEqual(['/a@0=2']);
  });

  it('keeps the last record per key within a flush (one ON CONFLICT statement may not hold a key twice)', async () => {
    const writer = await openCounts();
    writer.write([count('/a', 0, 1), count('/b', 0, 1), count('/a', 0, 2)]);
    writer.write([count('/a', 0, 5)]);
    expect(writer.buffered).toBe(2);
    await writer.flush(commit(1));
    expect(await counts()).toEqual(['/a@0=5', '/b@0=1']);
  });

  it('deletes the row of a retraction, ordered with upserts of the same key (last operation wins)', async () => {
    const writer = await openCounts();
    writer.write([count('/kept', 0, 1), count('/gone', 0, 4), count('/back', 0, 9)]);
    await writer.flush(commit(1));
    writer.write([
      count('/gone', 0, 4, { retract: true }), // an existing row, deleted
      count('/back', 0, 9, { retract: true }),
      count('/back', 0, 10), // deleted, then written again in the same flush: it stays
      count('/new', 0, 1),
      count('/new', 0, 1, { retract: true }), // written, then retracted: never reaches the table
    ]);
    await writer.flush(commit(2));
    expect(await counts()).toEqual(['/back@0=10', '/kept@0=1']);
  });

  it('splits a flush into statements of batchSize rows, in one transaction', async () => {
    const statements: string[] = [];
    const writer = await openCounts({ batchSize: 1000, log: (e) => void statements.push(e.query.sql) });
    statements.length = 0; // the checks of open()
    writer.write(Array.from({ length: 2500 }, (_, i) => count(`/p${i}`, 0, i)));
    await writer.flush(commit(1));
    expect(statements.map((s) => s.split(' ')[0])).toEqual(['begin', 'insert', 'insert', 'insert', 'commit']);
    expect(statements[1]).toContain('on conflict ("page_url", "window_start") do update set');
    expect(statements[1]).toContain('"view_count" = "excluded"."view_count"');
    expect(await scratch.rows('select count(*)::int as n from page_view_counts')).toEqual([{ n: 2500 }]);
  });

  it('groups the rows of one flush by the columns they set, whatever the order of their properties', async () => {
    const db = scratch.db();
    const rows = [
      { page_url: '/a', window_start: new Date(T0), window_end: new Date(T0 + 60_000), view_count: 1 },
      { page_url: '/b', window_start: new Date(T0), window_end: new Date(T0 + 60_000), view_count: 2, updated_at: undefined },
      { view_count: 3, page_url: '/c', window_end: new Date(T0 + 60_000), window_start: new Date(T0) },
      { page_url: '/d', window_start: new Date(T0), window_end: new Date(T0 + 60_000), view_count: 4, updated_at: new Date('2021-01-01Z') },
      { page_url: '/e', window_start: new Date(T0), window_end: new Date(T0 + 60_000), view_count: 5 },
    ];
    const writer = await postgresSink({ db, table: 'page_view_counts', key: ['page_url', 'window_start'], row: (r: number) => rows[r]! }).open(context);
    await scratch.admin.query(`insert into page_view_counts values ('/a', $1, $2, 9, '2020-01-01Z'), ('/d', $1, $2, 9, '2020-01-01Z')`, [new Date(T0), new Date(T0 + 60_000)]);
    writer.write(rows.map((_, i) => ({ value: i, timestamp: T0 })));
    await writer.flush(commit(1));
    const written = await scratch.rows<{ page_url: string; view_count: string; updated_at: Date }>('select page_url, view_count, updated_at from page_view_counts order by page_url');
    expect(written.map((r) => [r.page_url, Number(r.view_count)])).toEqual([['/a', 1], ['/b', 2], ['/c', 3], ['/d', 4], ['/e', 5]]);
    // '/a' does not set updated_at: left as it was; '/d' sets it.
    expect(written.find((r) => r.page_url === '/a')!.updated_at).toEqual(new Date('2020-01-01Z'));
    expect(written.find((r) => r.page_url === '/d')!.updated_at).toEqual(new Date('2021-01-01Z'));
  });

  it('leaves a column the row does not set as it is on update', async () => {
    const db = scratch.db();
    const writer = await countsSink({ db }).open(context);
    await scratch.admin.query(`insert into page_view_counts values ('/a', $1, $2, 1, '2020-01-01Z')`, [new Date(T0), new Date(T0 + 60_000)]);
    writer.write([count('/a', 0, 2)]);
    await writer.flush(commit(1));
    const [row] = await scratch.rows<{ view_count: string; updated_at: Date }>('select view_count, updated_at from page_view_counts');
    expect(row).toEqual({ view_count: '2', updated_at: new Date('2020-01-01Z') });
  });

  it('within a flush, a later row of a key keeps the columns an earlier one set and it leaves out, as writing both in order would', async () => {
    const db = scratch.db();
    const at = { window_start: new Date(T0), window_end: new Date(T0 + 60_000) };
    const rows = [
      { page_url: '/a', ...at, view_count: 1, updated_at: new Date('2021-01-01Z') },
      { page_url: '/a', ...at, view_count: 2 }, // updated_at left out: the first row's stays
      { page_url: '/b', ...at, view_count: 3, updated_at: new Date('2021-01-01Z') },
      { page_url: '/b', ...at, view_count: 4 },
    ];
    const writer = await postgresSink({ db, table: 'page_view_counts', key: ['page_url', 'window_start'], row: (r: number) => rows[r]! }).open(context);
    writer.write([0, 1].map((i) => ({ value: i, timestamp: T0 })));
    writer.write([{ value: 2, timestamp: T0 }]);
    await writer.flush(commit(1)); // '/b' as in two flushes
    writer.write([{ value: 3, timestamp: T0 }]);
    await writer.flush(commit(2));
    const written = await scratch.rows<{ page_url: string; view_count: string; updated_at: Date }>('select page_url, view_count, updated_at from page_view_counts order by page_url');
    expect(written.map((r) => [r.page_url, Number(r.view_count), r.updated_at.toISOString()])).toEqual([
      ['/a', 2, '2021-01-01T00:00:00.000Z'],
      ['/b', 4, '2021-01-01T00:00:00.000Z'],
    ]);
  });

  it('a row written after a retraction of its key in one flush is inserted afresh: what it leaves out gets its default', async () => {
    const db = scratch.db();
    const at = { window_start: new Date(T0), window_end: new Date(T0 + 60_000) };
    await scratch.admin.query(`insert into page_view_counts values ('/a', $1, $2, 9, '2020-01-01Z')`, [at.window_start, at.window_end]);
    const writer = await postgresSink({
      db,
      table: 'page_view_counts',
      key: ['page_url', 'window_start'],
      row: (n: number) => ({ page_url: '/a', ...at, view_count: n }),
    }).open(context);
    writer.write([
      { value: 9, timestamp: T0, retract: true },
      { value: 1, timestamp: T0 },
    ]);
    await writer.flush(commit(1));
    const [row] = await scratch.rows<{ view_count: string; updated_at: Date }>('select view_count, updated_at from page_view_counts');
    expect(Number(row!.view_count)).toBe(1);
    expect(row!.updated_at.getTime()).toBeGreaterThan(Date.parse('2020-01-02Z')); // now(), not the deleted row's
  });

  it('writes a jsonb array the same whether or not the row also sets an array column (two write paths)', async () => {
    await scratch.admin.query('create table docs (id text primary key, body jsonb not null); create table tagged_docs (id text primary key, body jsonb not null, tags text[])');
    try {
      const db = scratch.db() as unknown as Kysely<DocsDb>;
      // A row that sets an array column goes through a multi-row VALUES, not unnest.
      const writers = [
        await postgresSink({ db, table: 'docs', key: ['id'], row: (body: unknown[]) => ({ id: 'a', body }) }).open(context),
        await postgresSink({ db, table: 'tagged_docs', key: ['id'], row: (body: unknown[]) => ({ id: 'a', body, tags: ['x', 'y'] }) }).open(context),
      ];
      for (const writer of writers) {
        writer.write([{ value: [1, { b: 2 }], timestamp: T0 }]);
        await writer.flush(commit(1));
        await writer.close();
      }
      const rows = await scratch.rows<{ body: unknown }>("select body from docs union all select body from tagged_docs");
      expect(rows).toEqual([{ body: [1, { b: 2 }] }, { body: [1, { b: 2 }] }]);
    } finally {
      await scratch.admin.query('drop table docs, tagged_docs');
    }
  });

  it('writes bytes, and local timestamps as pg does, the same on every path (in a time zone that is not UTC)', async () => {
    await scratch.admin.query('create table blobs (id text primary key, body bytea not null, at timestamp not null)');
    try {
      const tsx = pathToFileURL(require.resolve('tsx')).href;
      const child = spawnSync(process.execPath, ['--conditions=@pipeline/source', '--import', tsx, join(__dirname, 'write-in-zone.ts')], {
        env: { ...process.env, TZ: 'America/New_York', SCRATCH_URL: scratch.url },
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(child.stderr).toBe('');
      expect(child.status).toBe(0);
      // Read as text: what the table holds, whatever this process's zone.
      const rows = await scratch.rows<{ id: string; body: string; at: string }>("select id, encode(body, 'hex') as body, at::text as at from blobs order by id");
      // Before: the sink wrote the bytes' JSON text ('{"0":1,"1":2,"2":3}') and UTC's wall time
      // (12:00) where pg writes local time (07:00); a row pg had written, a retraction missed.
      expect(rows).toEqual([
        { id: 'b', body: '010203', at: '2024-01-01 07:00:00' },
        { id: 'plain', body: '010203', at: '2024-01-01 07:00:00' },
      ]);
    } finally {
      await scratch.admin.query('drop table blobs');
    }
  });

  it('refuses a value longer than its varchar(n), char(n) or bit(n) column on every path, never truncates or pads it', async () => {
    await scratch.admin.query('create table codes (code varchar(4) primary key, label char(3) not null, flags bit(4) not null)');
    try {
      const db = scratch.db() as unknown as Kysely<DocsDb>;
      const sink = postgresSink({ db, table: 'codes', key: ['code'], row: (r: { code: string; label: string; flags: string }) => r });
      // Each alone, so each flush fails for its own value. Before: the unnest path cast the values
      // to the column's own type (`varchar(4)[]`), and an explicit cast truncates ('abcd') and
      // pads ('1010') where the INSERT of one row refuses.
      const cases: Array<[{ code: string; label: string; flags: string }, RegExp]> = [
        [{ code: 'abcdef', label: 'x', flags: '1010' }, /value too long for type character varying\(4\).*\(22001\)$/],
        [{ code: 'b', label: 'xyzw', flags: '1010' }, /value too long for type character\(3\).*\(22001\)$/],
        [{ code: 'c', label: 'x', flags: '101' }, /bit string length 3 does not match type bit\(4\).*\(22026\)$/],
      ];
      for (const [row, error] of cases) {
        const writer = await sink.open(context);
        writer.write([{ value: row, timestamp: T0 }]);
        await expect(writer.flush(commit(1))).rejects.toThrow(error);
        await writer.close();
        expect(await scratch.rows('select * from codes')).toEqual([]);
      }
      // Values that fit go in as the column's type makes them: char(3) padded, bit(4) as given.
      const writer = await sink.open(context);
      writer.write([{ value: { code: 'abcd', label: 'ab', flags: '1010' }, timestamp: T0 }]);
      await writer.flush(commit(1));
      expect(await scratch.rows("select code, label, flags::text from codes")).toEqual([{ code: 'abcd', label: 'ab ', flags: '1010' }]);
    } finally {
      await scratch.admin.query('drop table codes');
    }
  });

  it('deletes the row of a retraction whose key the column rounds (numeric(p,s), timestamptz(0)), as it was stored', async () => {
    await scratch.admin.query('create table prices (amount numeric(10,2), at timestamptz(0), label text not null, primary key (amount, at))');
    try {
      const db = scratch.db() as unknown as Kysely<DocsDb>;
      const writer = await postgresSink({ db, table: 'prices', key: ['amount', 'at'], row: (p: { amount: number; at: Date; label: string }) => p }).open(context);
      const price = { amount: 1.005, at: new Date(T0 + 600), label: 'x' };
      writer.write([{ value: price, timestamp: T0 }]);
      await writer.flush(commit(1));
      expect(await scratch.rows("select amount::text, to_char(at at time zone 'UTC', 'HH24:MI:SS') as at from prices")).toEqual([{ amount: '1.01', at: '12:00:01' }]);
      // Stored rounded; the retraction carries the row as sent. Cast to the types without their
      // modifiers, its key matched nothing and the row stayed.
      writer.write([{ value: price, timestamp: T0, retract: true }]);
      await writer.flush(commit(2));
      expect(await scratch.rows('select * from prices')).toEqual([]);
    } finally {
      await scratch.admin.query('drop table prices');
    }
  });
});
