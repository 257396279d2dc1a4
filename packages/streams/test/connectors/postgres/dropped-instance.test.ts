import type { SinkRecord } from '../../../src';
import { postgresSink } from '../../../src/connectors/postgres';
import { commit } from './records';
import { EXACTLY_ONCE_EVENTS_LOG, recordingLogger, scratchSchema, type Scratch } from './scratch-db';

// With several instances (scaling 'multi-instance'), the group may drop an instance whose commit
// waits longer than max.poll.interval.ms (a lock, a database retried for minutes) and give its
// partitions to another. The dropped one does not know yet: its transaction goes on, and may
// commit after the new owner has read the offsets table at `recover`. The new owner would then
// not skip those rows: exactly-once inserts written twice, upserts older than its own.

let scratch: Scratch;
beforeAll(async () => {
  scratch = await scratchSchema('dropped_instance');
});
afterAll(() => scratch.drop());
beforeEach(() => scratch.admin.query('truncate events_log; drop table if exists streams_sink_offsets'));

interface Logged {
  readonly offset: number;
  readonly user_id: string;
}
const passThrough = (offset: number): SinkRecord<Logged> => ({
  value: { offset, user_id: `u${offset}` },
  timestamp: 0,
  origin: { topic: 'events', partition: 0, offset, watermark: 0 },
});
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => passThrough(from + i));
const p0At = (offset: number) => [{ topic: 'events', partition: 0, offset }];
const context = () => ({ applicationId: 'moving-app', nodeName: 'to-1', logger: recordingLogger() });

/** Inserts every event once, exactly once, into events_log (whose key refuses a second copy). */
const eventsSink = (db = scratch.db()) =>
  postgresSink({
    db,
    ...EXACTLY_ONCE_EVENTS_LOG,
    row: (e: Logged) => ({ topic: 'events', partition: 0, offset: e.offset, user_id: e.user_id }),
  }).open(context());

const logged = async () => (await scratch.rows<{ offset: string }>('select "offset" from events_log order by 1')).map((r) => Number(r.offset));

it("a dropped instance's transaction that would commit after the new owner read the offsets is rolled back", async () => {
  // Instance a has written events:0 up to offset 3.
  const a = await eventsSink();
  await a.recover!(p0At(0));
  a.write(range(0, 3));
  await a.flush(commit(1, p0At(3)));

  // The group drops a and gives the partition to b, which resumes at a's last commit.
  const b = await eventsSink();
  await b.recover!(p0At(3));

  // a's next commit was under way: it reaches the database only now.
  a.write(range(3, 6));
  await expect(a.flush(commit(2, p0At(6)))).rejects.toThrow(/another writer of sink moving-app.events_log has recovered events:0 since this one did/);

  // b replays from offset 3: every event once.
  b.write(range(3, 8));
  await b.flush(commit(1, p0At(8)));
  expect(await logged()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
});

it("a dropped instance's first flush ever, to a partition with no offsets row yet, is rolled back too", async () => {
  // No offsets row exists: a has not committed anything for events:0 when the group drops it.
  const a = await eventsSink();
  await a.recover!(p0At(0));
  a.write(range(0, 3));

  // b takes the partition over and resumes where the source committed: offset 0.
  const b = await eventsSink();
  await b.recover!(p0At(0));

  // a's first commit reaches the database only now, after b read the (missing) offsets.
  await expect(a.flush(commit(1, p0At(3)))).rejects.toThrow(/another writer of sink moving-app.events_log has recovered events:0 since this one did/);

  b.write(range(0, 5));
  await b.flush(commit(1, p0At(5)));
  expect(await logged()).toEqual([0, 1, 2, 3, 4]);
});

it('a writer goes on writing its own partitions, flush after flush, and after a return', async () => {
  const a = await eventsSink();
  await a.recover!(p0At(0));
  a.write(range(0, 2));
  await a.flush(commit(1, p0At(2)));
  a.write(range(2, 4));
  await a.flush(commit(2, p0At(4)));
  await a.close();
  // The partition moves to b, then back to a (a new writer, as the runtime opens at each assignment).
  const b = await eventsSink();
  await b.recover!(p0At(4));
  b.write(range(4, 6));
  await b.flush(commit(1, p0At(6)));
  await b.close();
  const back = await eventsSink();
  await back.recover!(p0At(6));
  back.write(range(6, 8));
  await back.flush(commit(3, p0At(8)));
  expect(await logged()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
});

it("keeps writing whatever the sessions' date style and time zone", async () => {
  // The writer's own stamp must compare equal however the server prints timestamps: with
  // DateStyle SQL a timestamptz prints with a zone abbreviation, and 'IST' reads back as Israel's.
  const url = new URL(scratch.url);
  url.searchParams.set('options', `${url.searchParams.get('options')} -c DateStyle=SQL,DMY -c TimeZone=Asia/Kolkata`);
  const db = () => scratch.db({ url: url.toString() });
  const a = await eventsSink(db());
  await a.recover!(p0At(0));
  a.write(range(0, 2));
  await a.flush(commit(1, p0At(2)));
  await a.close();
  const back = await eventsSink(db());
  await back.recover!(p0At(2));
  back.write(range(2, 4));
  await back.flush(commit(1, p0At(4)));
  back.write(range(4, 6));
  await back.flush(commit(2, p0At(6)));
  expect(await logged()).toEqual([0, 1, 2, 3, 4, 5]);
});

it('two exactly-once sinks of one application with the same name fail a flush, naming the cause, rather than share offsets silently', async () => {
  // Both default to the table's name: each claims and moves the other's offsets rows.
  const first = await eventsSink();
  const second = await eventsSink();
  await first.recover!(p0At(0));
  await second.recover!(p0At(0));
  first.write(range(0, 2));
  await expect(first.flush(commit(1, p0At(2)))).rejects.toThrow(/or a second exactly-once sink of this application with the same name.*Give each exactlyOnce sink of an application its own name/);
});
