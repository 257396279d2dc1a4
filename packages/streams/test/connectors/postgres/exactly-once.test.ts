import type { SinkRecord } from '../../../src';
import { postgresSink, type PostgresSinkOptions } from '../../../src/connectors/postgres';
import { commit, count, COUNTS_QUERY, countsSink, summarize, T0, type CountRow } from './records';
import { EXACTLY_ONCE_EVENTS_LOG, DATABASE_URL, recordingLogger, scratchSchema, type Scratch, type TestDb } from './scratch-db';
import { tcpProxy } from './tcp-proxy';

let scratch: Scratch;
beforeAll(async () => {
  scratch = await scratchSchema('exactly_once');
});
afterAll(() => scratch.drop());
beforeEach(() => scratch.admin.query('truncate page_view_counts, events_log; drop table if exists streams_sink_offsets, my_offsets'));

/** An input event that passes through the topology unchanged, so it knows its own position. */
interface Logged {
  readonly partition: number;
  readonly offset: number;
  readonly user_id: string;
}
function passThrough(offset: number, partition = 0): SinkRecord<Logged> {
  return {
    value: { partition, offset, user_id: `u${offset}` },
    timestamp: T0 + offset,
    key: `u${offset}`,
    origin: { topic: 'events', partition, offset, watermark: T0 },
  };
}
const range = (from: number, to: number, partition = 0) => Array.from({ length: to - from }, (_, i) => passThrough(from + i, partition));

const context = (logger = recordingLogger()) => ({ applicationId: 'eo-test', nodeName: 'to-1', logger });

function eventsSink(options: Partial<PostgresSinkOptions<TestDb, 'events_log', Logged>> = {}) {
  return postgresSink({
    db: scratch.db(),
    ...EXACTLY_ONCE_EVENTS_LOG,
    row: (e: Logged) => ({ topic: 'events', partition: e.partition, offset: e.offset, user_id: e.user_id }),
    ...options,
  });
}

const logged = async () =>
  (await scratch.rows<{ partition: number; offset: string }>('select partition, "offset" from events_log order by 1, 2')).map((r) => `${r.partition}/${r.offset}`);
const offsets = (table = 'streams_sink_offsets') =>
  scratch.rows(`select sink, topic, partition, next_offset::int, commit_id::int from ${table} order by sink, topic, partition`);

describe('postgres sink: exactly-once', () => {
  it('stores the commit offsets with the rows, in the same transaction', async () => {
    const writer = await eventsSink().open(context());
    writer.write(range(0, 3));
    await writer.flush(commit(1, [{ topic: 'events', partition: 0, offset: 3 }, { topic: 'events', partition: 1, offset: 0 }]));
    expect(await offsets()).toEqual([
      { sink: 'eo-test.events_log', topic: 'events', partition: 0, next_offset: 3, commit_id: 1 },
      { sink: 'eo-test.events_log', topic: 'events', partition: 1, next_offset: 0, commit_id: 1 },
    ]);

    // A flush that fails stores neither its rows nor its offsets.
    writer.write([...range(3, 5), { ...passThrough(5), value: { partition: 0, offset: 5, user_id: null as unknown as string } }]);
    await expect(writer.flush(commit(2, [{ topic: 'events', partition: 0, offset: 6 }]))).rejects.toThrow(/\(23502\)$/);
    expect(await logged()).toEqual(['0/0', '0/1', '0/2']);
    expect(await offsets()).toEqual([
      { sink: 'eo-test.events_log', topic: 'events', partition: 0, next_offset: 3, commit_id: 1 },
      { sink: 'eo-test.events_log', topic: 'events', partition: 1, next_offset: 0, commit_id: 1 },
    ]);
  });

  it('skips replayed pass-through records whose output is already in the table', async () => {
    // First run: flushes offsets 0..9, then dies before the source commits offset 10.
    const first = await eventsSink().open(context());
    first.write(range(0, 10));
    await first.flush(commit(1, [{ topic: 'events', partition: 0, offset: 10 }]));
    await first.close();

    // Restart: processing resumes from the last source commit, offset 4, and replays 4..9.
    const logger = recordingLogger();
    const second = await eventsSink().open(context(logger));
    await second.recover!([{ topic: 'events', partition: 0, offset: 4 }]);
    second.write(range(4, 15));
    expect(second.buffered).toBe(5); // 10..14
    await second.flush(commit(1, [{ topic: 'events', partition: 0, offset: 15 }]));

    expect(await logged()).toEqual(range(0, 15).map((r) => `0/${r.value.offset}`)); // each exactly once (the key would reject a duplicate)
    expect(logger.lines.filter((l) => l.level === 'info').map((l) => l.message)).toEqual([
      'postgres sink events_log: output for events:0 is in PostgreSQL up to offset 10; replayed records below it are skipped',
      'postgres sink events_log: skipped replayed records already in PostgreSQL',
    ]);
  });

  it('never moves a stored offset back: a second crash still skips what the first flush wrote', async () => {
    const at = (p0: number, p1: number) => [
      { topic: 'events', partition: 0, offset: p0 },
      { topic: 'events', partition: 1, offset: p1 },
    ];
    // Run 1 flushes partition 0's offsets 0..9, and dies before the source commits past offset 5.
    const first = await eventsSink().open(context());
    await first.recover!(at(0, 0));
    first.write(range(0, 10));
    await first.flush(commit(1, at(10, 0)));
    await first.close();
    // Run 2 resumes at 5 and reads one record of partition 1 first: its commit says partition 0 is
    // at 5, behind the stored 10, whose rows are in the table. Then it dies.
    const second = await eventsSink().open(context());
    await second.recover!(at(5, 0));
    second.write(range(0, 1, 1));
    await second.flush(commit(1, at(5, 1)));
    await second.close();
    expect((await offsets()).map((o) => { const row = o as { partition: number; next_offset: number }; return `${row.partition}:${row.next_offset}`; })).toEqual(['0:10', '1:1']);
    // Run 3 replays partition 0 from 5 again: all of it is skipped (a row written twice would break the key).
    const third = await eventsSink().open(context());
    await third.recover!(at(5, 1));
    third.write(range(5, 10));
    expect(third.buffered).toBe(0);
    await third.flush(commit(1, at(10, 1)));
    expect(await logged()).toEqual([...range(0, 10).map((r) => `0/${r.value.offset}`), '1/0']);
  });

  it('skips nothing where the stored offset is behind the resume position, or absent', async () => {
    const first = await eventsSink().open(context());
    first.write(range(0, 5));
    await first.flush(commit(1, [{ topic: 'events', partition: 0, offset: 5 }]));

    const second = await eventsSink().open(context());
    await second.recover!([
      { topic: 'events', partition: 0, offset: 8 }, // 5..7 were filtered out upstream, say
      { topic: 'events', partition: 1, offset: 0 },
    ]);
    second.write([...range(8, 10), ...range(0, 2, 1)]);
    expect(second.buffered).toBe(4);
  });

  it('never skips aggregated results (no input offset): their upserts are idempotent anyway', async () => {
    const writer = await countsSink({ db: scratch.db(), exactlyOnce: true }).open(context());
    writer.write([count('/a', 0, 1)]);
    await writer.flush(commit(1, [{ topic: 'events', partition: 0, offset: 10 }]));

    const again = await countsSink({ db: scratch.db(), exactlyOnce: true }).open(context());
    await again.recover!([{ topic: 'events', partition: 0, offset: 0 }]);
    again.write([count('/a', 0, 5)]);
    await again.flush(commit(1, [{ topic: 'events', partition: 0, offset: 10 }]));
    expect(summarize(await scratch.rows<CountRow>(COUNTS_QUERY))).toEqual(['/a@0=5']);
  });

  it('keeps the offsets of each sink apart, under applicationId.name, in the table named', async () => {
    const a = await eventsSink({ name: 'even', offsetsTable: 'my_offsets' }).open(context());
    const b = await eventsSink({ name: 'odd', offsetsTable: 'my_offsets' }).open(context());
    a.write([passThrough(0)]);
    b.write([passThrough(1)]);
    await a.flush(commit(1, [{ topic: 'events', partition: 0, offset: 1 }]));
    await b.flush(commit(1, [{ topic: 'events', partition: 0, offset: 2 }]));
    expect(await offsets('my_offsets')).toEqual([
      { sink: 'eo-test.even', topic: 'events', partition: 0, next_offset: 1, commit_id: 1 },
      { sink: 'eo-test.odd', topic: 'events', partition: 0, next_offset: 2, commit_id: 1 },
    ]);
  });

  it('does not write again when a COMMIT went through but its reply was lost', async () => {
    const target = new URL(DATABASE_URL);
    const proxy = await tcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    try {
      const url = new URL(scratch.url);
      url.hostname = '127.0.0.1';
      url.port = String(proxy.port);
      const logger = recordingLogger();
      const writer = await eventsSink({ db: scratch.db({ url: url.toString() }), retry: { initialDelayMs: 10 } }).open(context(logger));
      writer.write(range(0, 3));
      proxy.loseReplyTo('commit\u0000'); // the simple-query message of COMMIT
      // Inserting the rows again would fail on the key (23505): the flush succeeds only if the
      // retry sees its own commit in the offsets table.
      await writer.flush(commit(1, [{ topic: 'events', partition: 0, offset: 3 }]));
      expect(await logged()).toEqual(['0/0', '0/1', '0/2']);
      expect(logger.lines.map((l) => [l.level, l.message])).toEqual([
        ['warn', 'postgres sink events_log: flush failed, retrying'],
        ['info', 'postgres sink events_log: the failed COMMIT had gone through; not writing again'],
      ]);
    } finally {
      await proxy.down();
    }
  });
});
