import { postgresSink } from '../../../src/connectors/postgres';
import { countsSink, type Count } from './records';
import { DATABASE_URL, recordingLogger, scratchSchema, withSearchPath, type Scratch } from './scratch-db';

let scratch: Scratch;
beforeAll(async () => {
  scratch = await scratchSchema('open');
});
afterAll(async () => {
  for (const suffix of ['nocolumn', 'nokey']) await scratch.admin.query(`drop schema if exists ${scratch.schema}_${suffix} cascade`);
  await scratch.drop();
});

const context = (logger = recordingLogger()) => ({ applicationId: 'open-test', nodeName: 'to-1', logger });

/** A schema of the scratch database holding `page_view_counts` as `ddl` creates it, and a db on it. */
async function variant(suffix: string, ddl: string) {
  const schema = `${scratch.schema}_${suffix}`;
  await scratch.admin.query(`create schema ${schema}; set search_path = ${schema}; ${ddl}; reset search_path`);
  return scratch.db({ url: withSearchPath(DATABASE_URL, schema) });
}

describe('postgres sink: checks at open', () => {
  it('fails at open when the table does not exist, saying what to do', async () => {
    const db = scratch.db({ url: withSearchPath(DATABASE_URL, `${scratch.schema}_empty`) });
    await expect(countsSink({ db }).open(context())).rejects.toThrow(
      'postgres sink page_view_counts: table "page_view_counts" does not exist (42P01); create it before starting (e.g. run init-db.sql)',
    );
  });

  it('fails at open when a key column is missing', async () => {
    const db = await variant('nocolumn', 'create table page_view_counts (page_url text primary key, view_count bigint)');
    await expect(countsSink({ db }).open(context())).rejects.toThrow(
      'postgres sink page_view_counts: table "page_view_counts" has no column "window_start" (named in key); its columns are page_url, view_count',
    );
  });

  it('fails at open when upserts have no unique index on the key to conflict on', async () => {
    const db = await variant(
      'nokey',
      'create table page_view_counts (page_url text primary key, window_start timestamptz, window_end timestamptz, view_count bigint)',
    );
    await expect(countsSink({ db }).open(context())).rejects.toThrow(
      'postgres sink page_view_counts: table "page_view_counts" has no primary key or unique index on exactly (page_url, window_start), which upserts need (ON CONFLICT); add one or change key',
    );
    // Plain inserts need no such index; without exactlyOnce they are only at-least-once, and it says so.
    const logger = recordingLogger();
    await expect(countsSink({ db, mode: 'insert' }).open(context(logger))).resolves.toBeDefined();
    expect(logger.lines.filter((l) => l.level === 'warn').map((l) => l.message)).toEqual([
      'postgres sink page_view_counts: insert mode without exactlyOnce inserts replayed records again after a crash (at-least-once)',
    ]);
  });

  it('accepts a key given in another order than the primary key', async () => {
    const sink = postgresSink({
      db: scratch.db(),
      table: 'page_view_counts',
      key: ['window_start', 'page_url'],
      row: (r: Count) => ({ page_url: r.key, window_start: new Date(r.windowStart), window_end: new Date(r.windowEnd), view_count: r.value }),
    });
    await expect(sink.open(context())).resolves.toBeDefined();
    expect(sink).toMatchObject({ kind: 'postgres', target: 'page_view_counts' });
  });

  it('rejects options that cannot work before anything runs', () => {
    const db = scratch.db();
    expect(() => countsSink({ db, batchSize: 0 })).toThrow('postgres sink page_view_counts: batchSize must be a positive integer, not 0');
  });
});
