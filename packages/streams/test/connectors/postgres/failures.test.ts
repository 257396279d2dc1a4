import pg from 'pg';
import { postgresSink, createPostgresDb } from '../../../src/connectors/postgres';
import { commit, count, COUNTS_QUERY, countsSink, summarize, type Count, type CountRow } from './records';
import { DATABASE_URL, recordingLogger, scratchSchema, type LogLine, type Scratch, type TestDb } from './scratch-db';
import { tcpProxy, type TcpProxy } from './tcp-proxy';

let scratch: Scratch;
let proxy: TcpProxy;
beforeAll(async () => {
  scratch = await scratchSchema('failures');
  const target = new URL(DATABASE_URL);
  proxy = await tcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
});
afterAll(async () => {
  await proxy.down();
  await scratch.drop();
});
beforeEach(() => scratch.admin.query('truncate page_view_counts'));

const counts = async () => summarize(await scratch.rows<CountRow>(COUNTS_QUERY));
const context = (logger = recordingLogger()) => ({ applicationId: 'failures-test', nodeName: 'to-1', logger });
const warnings = (lines: readonly LogLine[]) => lines.filter((l) => l.level === 'warn');

/** The scratch database, reached through the proxy. */
function proxiedUrl(): string {
  const url = new URL(scratch.url);
  url.hostname = '127.0.0.1';
  url.port = String(proxy.port);
  return url.toString();
}

describe('postgres sink: transient failures', () => {
  it('retries a flush whose connection the server terminated, and logs the attempt', async () => {
    const applicationName = `streams-test-${scratch.schema}`;
    const db = createPostgresDb<TestDb>(scratch.url, { max: 2, applicationName });
    const logger = recordingLogger();
    const writer = await countsSink({ db, retry: { initialDelayMs: 20 } }).open(context(logger));
    // Hold the table so the flush's INSERT waits where we can see it, then kill its backend.
    const locker = new pg.Client({ connectionString: scratch.url });
    await locker.connect();
    try {
      await locker.query('begin; lock table page_view_counts in access exclusive mode');
      writer.write([count('/a', 0, 1)]);
      const flushed = writer.flush(commit(1));
      const pid = await waitForBackend(`application_name = '${applicationName}' and wait_event_type = 'Lock'`);
      await scratch.admin.query('select pg_terminate_backend($1)', [pid]);
      await locker.query('commit');
      await flushed;
    } finally {
      await locker.end();
      await db.destroy();
    }
    expect(await counts()).toEqual(['/a@0=1']);
    const [warning] = warnings(logger.lines);
    expect(warning?.message).toBe('postgres sink page_view_counts: flush failed, retrying');
    expect(warning?.fields).toMatchObject({ attempt: 1, error: expect.stringContaining('57P01') as unknown, delayMs: expect.any(Number) as unknown });
  });

  it('retries while the server is unreachable and succeeds once it is back', async () => {
    const db = scratch.db({ url: proxiedUrl() });
    // The server comes back as soon as the first retry is announced: no guessing at timings.
    const logger = recordingLogger((line) => void (line.level === 'warn' && line.fields['attempt'] === 1 && proxy.up()));
    const writer = await countsSink({ db, retry: { initialDelayMs: 50 } }).open(context(logger));
    await proxy.down();
    writer.write([count('/a', 0, 2)]);
    await writer.flush(commit(1));
    expect(await counts()).toEqual(['/a@0=2']);
    // Refused, or cut (the pool's idle connection had not yet noticed the relay was gone).
    expect(warnings(logger.lines).map((l) => l.fields['error'])).toEqual([expect.stringMatching(/ECONNREFUSED|Connection terminated/)]);
  });

  it('fails with the last error once the attempts are used up, and keeps the rows for a later flush', async () => {
    const db = scratch.db({ url: proxiedUrl() });
    const logger = recordingLogger();
    const writer = await countsSink({ db, retry: { attempts: 3, initialDelayMs: 10, maxDelayMs: 20 } }).open(context(logger));
    await proxy.down();
    writer.write([count('/a', 0, 3)]);
    await expect(writer.flush(commit(1))).rejects.toThrow(
      /^postgres sink page_view_counts: flush failed after 3 attempts: connection refused .*\(ECONNREFUSED\)$/,
    );
    expect(warnings(logger.lines).map((l) => l.fields['attempt'])).toEqual([1, 2]);
    expect(writer.buffered).toBe(1);
    await proxy.up();
    await writer.flush(commit(1));
    expect(await counts()).toEqual(['/a@0=3']);
  });

  it('retries opening while the server is unreachable', async () => {
    const db = scratch.db({ url: proxiedUrl() });
    await proxy.down();
    const logger = recordingLogger((line) => void (line.level === 'warn' && proxy.up()));
    await expect(countsSink({ db, retry: { initialDelayMs: 10 } }).open(context(logger))).resolves.toBeDefined();
    expect(warnings(logger.lines)[0]?.message).toBe('postgres sink page_view_counts: open failed, retrying');
  });
});

describe('postgres sink: permanent failures', () => {
  it('fails at once on a constraint violation, naming the constraint, and keeps the rows', async () => {
    const logger = recordingLogger();
    const writer = await countsSink({ db: scratch.db() }).open(context(logger));
    writer.write([count('/ok', 0, 1), count('/bad', 0, -1)]);
    await expect(writer.flush(commit(1))).rejects.toThrow(
      /^postgres sink page_view_counts: a row violates a constraint \("page_view_counts_view_count_check"\): new row for relation "page_view_counts" violates check constraint .*\(23514\)$/,
    );
    expect(warnings(logger.lines)).toEqual([]); // not retried
    expect(await counts()).toEqual([]); // one transaction: the good row is not there either
    writer.write([count('/bad', 0, 1)]); // the same key, corrected: the last record wins
    await writer.flush(commit(1));
    expect(await counts()).toEqual(['/bad@0=1', '/ok@0=1']);
  });

  it('fails at once on a value of the wrong type', async () => {
    const writer = await postgresSink({
      db: scratch.db(),
      table: 'page_view_counts',
      key: ['page_url', 'window_start'],
      // What a mapper written against stale types could send; the compiler would reject it as is.
      row: (r: Count) => ({ page_url: r.key, window_start: new Date(r.windowStart), window_end: new Date(r.windowEnd), view_count: 'many' as unknown as number }),
    }).open(context());
    writer.write([count('/a', 0, 1)]);
    await expect(writer.flush(commit(1))).rejects.toThrow(
      'postgres sink page_view_counts: a value does not fit its column: invalid input syntax for type bigint: "many" (22P02)',
    );
  });

  it('fails at once when the row has a column the table does not', async () => {
    const writer = await postgresSink({
      db: scratch.db(),
      table: 'page_view_counts',
      key: ['page_url', 'window_start'],
      row: (r: Count) => ({ page_url: r.key, window_start: new Date(r.windowStart), window_end: new Date(r.windowEnd), view_count: r.value, viewers: 1 }) as never,
    }).open(context());
    writer.write([count('/a', 0, 1)]);
    await expect(writer.flush(commit(1))).rejects.toThrow(
      'postgres sink page_view_counts: column "viewers" of relation "page_view_counts" does not exist; the row mapper returns a column the table does not have (42703)',
    );
  });

  it('fails at once, saying so plainly, when the table disappeared after open', async () => {
    const writer = await countsSink({ db: scratch.db() }).open(context());
    await scratch.admin.query('alter table page_view_counts rename to page_view_counts_moved');
    try {
      writer.write([count('/a', 0, 1)]);
      await expect(writer.flush(commit(1))).rejects.toThrow(
        'postgres sink page_view_counts: table "page_view_counts" does not exist (42P01); create it before starting (e.g. run init-db.sql)',
      );
    } finally {
      await scratch.admin.query('alter table page_view_counts_moved rename to page_view_counts');
    }
  });

  it('fails the flush when the row mapper throws, so nothing past the record is committed', async () => {
    const writer = await postgresSink({
      db: scratch.db(),
      table: 'page_view_counts',
      key: ['page_url', 'window_start'],
      row: (r: Count) => {
        if (r.key === '/boom') throw new Error('no page');
        return { page_url: r.key, window_start: new Date(r.windowStart), window_end: new Date(r.windowEnd), view_count: r.value };
      },
    }).open(context());
    writer.write([count('/a', 0, 1), count('/boom', 0, 1)]);
    await expect(writer.flush(commit(1))).rejects.toThrow('postgres sink page_view_counts: cannot make a row of a record: no page');
    expect(await counts()).toEqual([]);
  });
});

/** Polls pg_stat_activity until a backend matches (the flush reaches the server asynchronously). */
async function waitForBackend(condition: string): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const rows = await scratch.rows<{ pid: number }>(`select pid from pg_stat_activity where ${condition}`);
    if (rows[0] !== undefined) return rows[0].pid;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`no backend with ${condition}`);
}
