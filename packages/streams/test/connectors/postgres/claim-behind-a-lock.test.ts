import pg from 'pg';
import { silentLogger, type Duration } from '../../../src';
import { createPostgresDb, postgresSink } from '../../../src/connectors/postgres';
import { untyped } from '../../../src/connectors/postgres/untyped-db';
import { offsetsTable } from '../../../src/connectors/postgres/sink-offsets';
import { EXACTLY_ONCE_EVENTS_LOG, scratchSchema, type Scratch } from './scratch-db';

// An instance's claim (at `recover`) waits for the row lock of any transaction still writing the
// partition's offsets: the old owner's flush, which normally ends in moments. A connection the
// server has not yet seen die (a host gone, a network cut) holds that lock until TCP keepalive
// notices, by default more than two hours: the claim must not wait that long without a word.

let scratch: Scratch;
let holder: pg.Client;
beforeAll(async () => {
  scratch = await scratchSchema('claim_lock');
});
afterAll(() => scratch.drop());
beforeEach(async () => {
  await scratch.admin.query('drop table if exists streams_sink_offsets');
  holder = new pg.Client({ connectionString: scratch.url, application_name: 'old-owner' });
  await holder.connect();
});
afterEach(() => holder.end());

const p0 = [{ topic: 'events', partition: 0, offset: 0 }];

/** The old owner's transaction: it wrote the partition's offsets and never ended. */
async function holdOffsetsRow(): Promise<void> {
  await holder.query('begin');
  await holder.query(`update streams_sink_offsets set next_offset = 7 where sink = 'app.events_log' and topic = 'events' and partition = 0`);
}

it("fails a claim held up by another session's open transaction after the lock timeout, naming that session and how to end it", async () => {
  const table = offsetsTable(untyped(scratch.db()), 'streams_sink_offsets', { claimLockTimeoutMs: 300 });
  await table.ensure();
  await table.claim('app.events_log', p0);
  await holdOffsetsRow();
  const pid = (await holder.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid;

  const started = Date.now();
  const failure = await table.claim('app.events_log', p0).then(
    () => undefined,
    (error: unknown) => error as Error & { code?: string },
  );
  expect(Date.now() - started).toBeLessThan(5_000);
  expect(failure?.code).toBe('55P03'); // retried as transient: the lock may go
  expect(failure?.message).toMatch(/events:0/);
  expect(failure?.message).toMatch(new RegExp(`pid ${pid} \\(old-owner, idle in transaction since \\d{4}-\\d\\d-\\d\\dT[\\d:]+Z\\)`));
  expect(failure?.message).toMatch(/pg_terminate_backend\(pid\).*tcp_keepalives_idle/);
  await holder.query('rollback');
});

it('waits for a transaction that ends within the lock timeout, then reads what it committed', async () => {
  const table = offsetsTable(untyped(scratch.db()), 'streams_sink_offsets', { claimLockTimeoutMs: 5_000 });
  await table.ensure();
  await table.claim('app.events_log', p0);
  await holdOffsetsRow();
  setTimeout(() => void holder.query('commit'), 300);
  const claimed = await table.claim('app.events_log', p0);
  expect(claimed.get('events:0')?.next).toBe(7);
});

it.each([1, 2])('fails held-up claims after the lock timeout on a pool of %i connection(s), every one of them held up', async (connections) => {
  // The sessions are listed on the claim's own connection: another from the pool may never come.
  const db = createPostgresDb<Record<string, never>>(scratch.url, { max: connections });
  try {
    const table = offsetsTable(untyped(db), 'streams_sink_offsets', { claimLockTimeoutMs: 300 });
    await table.ensure();
    const sinks = ['app.events_log', 'app.counts'].slice(0, connections);
    for (const sink of sinks) await table.claim(sink, p0);
    await holder.query('begin');
    await holder.query('update streams_sink_offsets set next_offset = 7');
    const outcome = await Promise.race([
      Promise.allSettled(sinks.map((sink) => table.claim(sink, p0))).then((all) => all.map((r) => (r.status === 'rejected' ? (r.reason as { code?: string }).code : 'claimed'))),
      // Unref'd: the race's loser must not keep jest waiting 5 s after the run.
      new Promise((resolve) => setTimeout(() => resolve('still waiting after 5 s'), 5_000).unref()),
    ]);
    expect(outcome).toEqual(sinks.map(() => '55P03'));
  } finally {
    await holder.query('rollback');
    await db.destroy();
  }
}, 15_000);


it("takes the claim's lock timeout from the sink's claimLockTimeout, and refuses one it cannot read", async () => {
  const sink = (claimLockTimeout: Duration) =>
    postgresSink({
      db: scratch.db(),
      ...EXACTLY_ONCE_EVENTS_LOG,
      row: (offset: number) => ({ topic: 'events', partition: 0, offset, user_id: 'u' }),
      claimLockTimeout,
      retry: { attempts: 1 },
    });
  expect(() => sink('soon' as Duration)).toThrow(/postgres sink events_log: claimLockTimeout/);
  // PostgreSQL refuses more than 2^31 - 1 ms ('25d' failed the first claim as a column error), and reads 0 as "for ever".
  expect(() => sink('25d')).toThrow('postgres sink events_log: claimLockTimeout must be from 1 ms to 2147483647 ms (about 24 days), got 25d');
  expect(() => sink(0)).toThrow('claimLockTimeout must be from 1 ms');
  expect(() => sink('24d')).not.toThrow();
  const context = { applicationId: 'app', nodeName: 'to-1', logger: silentLogger };
  const first = await sink('300ms').open(context);
  await first.recover!(p0);
  await holdOffsetsRow();
  const second = await sink('300ms').open(context);
  const started = Date.now();
  await expect(second.recover!(p0)).rejects.toThrow(/stayed locked by another session's transaction for 300 ms/);
  expect(Date.now() - started).toBeLessThan(5_000);
  await holder.query('rollback');
  await first.close();
  await second.close();
});
