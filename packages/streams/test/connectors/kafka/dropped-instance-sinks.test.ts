import pg from 'pg';
import { streams, type Sink } from '../../../src';
import { KafkaStreams } from '../../../src/connectors/kafka';
import { parquetSink } from '../../../src/connectors/parquet';
import { createPostgresDb, postgresSink } from '../../../src/connectors/postgres';
import { event, Event, sourceOptions } from '../../support/events';
import { brokers, createTopic, produce, uniqueName, waitFor } from '../../support/kafka';
import { listFiles, makeLake, readLake } from '../parquet/lake-helpers';
import { recordingLogger, scratchSchema, type Scratch } from '../postgres/scratch-db';

jest.setTimeout(300_000);

// Two instances (scaling 'multi-instance') of an app writing every event to PostgreSQL (exactly
// once, inserts into a table without a key) and to the lake. Instance a's commit waits for a
// table lock longer than max.poll.interval.ms: the group drops a and gives its partition to b,
// which recovers both sinks and replays from a's last commit while a's commit is still waiting.
// (b's restore first waits for a's state transaction, which a's commit holds open, until the
// broker aborts it: transaction.timeout.ms, 60 s. Only then does b recover the sinks; a commit
// held that long is what it takes.) When the lock goes, a's commit must not land: every event
// once in the table and in the lake.

interface Db {
  dropped_events: { event_time: string; user_id: string };
}

let scratch: Scratch;
beforeAll(async () => {
  scratch = await scratchSchema('dropped_sinks');
  await scratch.admin.query('create table dropped_events (event_time text not null, user_id text not null)');
});
afterAll(() => scratch.drop());

const running: KafkaStreams[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.stop()));
});

it("a dropped instance's late commit lands in neither PostgreSQL nor the lake", async () => {
  const input = uniqueName('dropped-in');
  await createTopic(input, 1);
  const events = Array.from({ length: 30 }, (_, i) => event(i * 1000, { user_id: `u${i % 3}` }));
  const send = (from: number, to: number) => produce(input, events.slice(from, to).map((e) => ({ value: JSON.stringify(e), key: e.user_id, partition: 0 })));
  const db = createPostgresDb<Db>(scratch.url, { max: 4 });
  const lake = await makeLake();
  const applicationId = uniqueName('dropped-app');
  const logger = recordingLogger();
  const start = async (instanceId: string) => {
    const app = streams({ applicationId });
    const source = app.source(input, sourceOptions).withWatermark('1m');
    source.to(postgresSink({ db, table: 'dropped_events', key: ['event_time'], mode: 'insert', exactlyOnce: true, row: (e: Event) => ({ event_time: e.event_time, user_id: e.user_id }) }));
    source.to(parquetSink({ dir: lake.dir, schema: Event, rollRows: 4 }) as Sink<Event>);
    const runtime = new KafkaStreams(app, {
      // 10 s, the least librdkafka takes (the runtime's session timeout).
      connection: { brokers, config: { 'max.poll.interval.ms': 10_000, 'session.timeout.ms': 10_000 } },
      scaling: 'multi-instance',
      instanceId,
      commitInterval: '100ms',
      idleTimeout: '1h',
      logger,
    });
    await runtime.start();
    runtime.done.catch(() => undefined);
    running.push(runtime);
    return runtime;
  };
  const rows = async () => (await scratch.rows<{ event_time: string }>('select event_time from dropped_events')).map((r) => r.event_time).sort();
  const locker = new pg.Client({ connectionString: scratch.url });
  await locker.connect();
  try {
    await send(0, 6);
    const a = await start('a');
    await waitFor(async () => (await rows()).length === 6, 30_000, "a's first rows").catch((error: unknown) => {
      throw new Error(`${String(error)}: ${JSON.stringify(logger.lines.filter((l) => l.level === 'error' || l.level === 'warn'))}`);
    });

    await locker.query('begin; lock table dropped_events in access exclusive mode');
    await send(6, 14);
    // a's commit of 6-13 has staged them in the lake and waits for the lock in PostgreSQL.
    await waitFor(async () => (await scratch.rows(`select 1 from pg_stat_activity where wait_event_type = 'Lock' and query ilike 'insert into%dropped_events%'`)).length > 0, 20_000, "a's insert to wait");
    const b = await start('b');
    await waitFor(() => b.metrics().assigned.includes(`${input}:0`), 150_000, 'the group to drop a and give its partition to b');
    await new Promise((resolve) => setTimeout(resolve, 1_000)); // b recovers and replays (its own insert waits too)
    await locker.query('commit');

    await send(14, 30);
    await waitFor(async () => (await rows()).length >= 30 && b.metrics().state === 'running' && Object.values(b.metrics().lag).every((l) => l === 0), 60_000, 'b to write every event');
    await b.stop();
    await a.stop();

    expect(await rows()).toEqual(events.map((e) => e.event_time).sort());
    // a's commit was fenced: it failed in PostgreSQL, and a stopped.
    const fenced = logger.lines.filter((l) => l.level === 'error' && String(l.fields['error']).includes('another writer of sink'));
    expect(fenced.length).toBeGreaterThan(0);
    const inLake = (await readLake(lake.dir)).map((r) => String(r['event_time'])).sort();
    expect(inLake).toEqual(events.map((e) => e.event_time).sort());
    expect((await listFiles(lake.dir)).filter((f) => !/(^|\/)part-[^/]*\.parquet$/.test(f))).toEqual([]);
  } finally {
    await locker.end().catch(() => undefined);
    await db.destroy();
    await lake.remove();
  }
});
