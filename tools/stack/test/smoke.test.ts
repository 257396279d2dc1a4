// Smoke test of the running stack (`pnpm stack up` first): a real broker and a real database, no mocks.
import { type Generated, Kysely, PostgresDialect, sql } from 'kysely';
import Kafka from 'node-rdkafka';
import pg from 'pg';
import { closeConsumer } from '../src/kafka/readiness';
import { databaseUrl, kafkaBrokers, PIPELINE_TOPICS } from '../src/settings';
import { deleteTopic, ensureTopics, topicMetadata } from '../src/topics';

jest.setTimeout(60_000);

const brokers = kafkaBrokers();
const topic = `stack-smoke-${process.pid}-${Date.now()}`;
const MESSAGES = 1000;
const KEYS = 20;

interface Event {
  user: string;
  seq: number;
}

beforeAll(async () => {
  const { created } = await ensureTopics(brokers, [topic], 3, 1);
  expect(created).toEqual([topic]);
});

afterAll(async () => {
  await deleteTopic(brokers, topic);
});

test('stack up created the pipeline topics', async () => {
  const topics = await topicMetadata(brokers, PIPELINE_TOPICS);
  expect(topics.map((t) => t.name).sort()).toEqual([...PIPELINE_TOPICS].sort());
});

test(`${MESSAGES} keyed JSON messages go through a consumer group in per-key order`, async () => {
  await produce();
  const received = await consumeAll();

  expect(received).toHaveLength(MESSAGES);
  // Per key: one partition, and the sequence numbers in the order produced.
  const byKey = new Map<string, { partitions: Set<number>; seqs: number[] }>();
  for (const { partition, event } of received) {
    const entry = byKey.get(event.user) ?? { partitions: new Set(), seqs: [] };
    entry.partitions.add(partition);
    entry.seqs.push(event.seq);
    byKey.set(event.user, entry);
  }
  expect(byKey.size).toBe(KEYS);
  for (const { partitions, seqs } of byKey.values()) {
    expect(partitions.size).toBe(1);
    expect(seqs).toEqual(Array.from({ length: MESSAGES / KEYS }, (_, i) => i));
  }
  // 20 keys over 3 partitions: more than one partition carries data.
  expect(new Set(received.map((r) => r.partition)).size).toBeGreaterThan(1);
});

async function produce(): Promise<void> {
  const producer = new Kafka.Producer({
    'bootstrap.servers': brokers,
    'enable.idempotence': true,
    'linger.ms': 5,
    dr_cb: true,
  });
  await new Promise<void>((resolve, reject) => producer.connect({}, (err) => (err ? reject(err) : resolve())));
  try {
    const delivered = new Promise<void>((resolve, reject) => {
      let count = 0;
      producer.on('delivery-report', (err) => {
        if (err) reject(err);
        else if (++count === MESSAGES) resolve();
      });
    });
    producer.setPollInterval(20);
    for (let i = 0; i < MESSAGES; i++) {
      const event: Event = { user: `user-${i % KEYS}`, seq: Math.floor(i / KEYS) };
      producer.produce(topic, null, Buffer.from(JSON.stringify(event)), event.user);
    }
    await delivered;
  } finally {
    producer.setPollInterval(0); // a poll while node-rdkafka destroys the handle uses freed memory
    await new Promise<void>((resolve) => producer.disconnect(5000, () => resolve()));
  }
}

async function consumeAll(): Promise<{ partition: number; event: Event }[]> {
  const consumer = new Kafka.KafkaConsumer(
    { 'bootstrap.servers': brokers, 'group.id': `${topic}-group`, 'enable.auto.commit': false },
    { 'auto.offset.reset': 'earliest' },
  );
  await new Promise<void>((resolve, reject) => consumer.connect({}, (err) => (err ? reject(err) : resolve())));
  const received: { partition: number; event: Event }[] = [];
  try {
    consumer.setDefaultConsumeTimeout(200);
    consumer.subscribe([topic]);
    const deadline = Date.now() + 30_000;
    while (received.length < MESSAGES && Date.now() < deadline) {
      const batch = await new Promise<Kafka.Message[]>((resolve, reject) =>
        consumer.consume(500, (err, messages) => (err ? reject(err) : resolve(messages))),
      );
      for (const m of batch) received.push({ partition: m.partition, event: JSON.parse(m.value!.toString()) as Event });
    }
    // Commit what was read, then read the committed offsets back from the group coordinator.
    consumer.commitSync(null);
    const partitions = [0, 1, 2].map((partition) => ({ topic, partition }));
    const committed = await new Promise<Kafka.TopicPartitionOffset[]>((resolve, reject) =>
      consumer.committed(partitions, 10_000, (err, offsets) => (err ? reject(err) : resolve(offsets))),
    );
    expect(committed.reduce((sum, tp) => sum + Math.max(0, tp.offset), 0)).toBe(MESSAGES);
  } finally {
    await closeConsumer(consumer);
  }
  return received;
}

test('a row goes into PostgreSQL and comes back through kysely', async () => {
  interface Db {
    stack_smoke: { id: Generated<number>; note: string; created_at: Generated<Date> };
  }
  const db = new Kysely<Db>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: databaseUrl(), max: 1 }) }) });
  try {
    // A temporary table lives on one connection: pin one for the whole exchange.
    await db.connection().execute(async (conn) => {
      await sql`CREATE TEMPORARY TABLE stack_smoke (id serial PRIMARY KEY, note text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())`.execute(conn);
      const note = `smoke ${topic}`;
      const inserted = await conn.insertInto('stack_smoke').values({ note }).returning(['id']).executeTakeFirstOrThrow();
      const row = await conn.selectFrom('stack_smoke').selectAll().where('id', '=', inserted.id).executeTakeFirstOrThrow();
      expect(row.note).toBe(note);
      expect(row.created_at).toBeInstanceOf(Date);
    });
    // The schema from init-db.sql is there too.
    const tables = await sql<{ n: string }>`SELECT count(*) AS n FROM information_schema.tables WHERE table_name IN ('page_view_counts', 'active_users', 'user_sessions')`.execute(db);
    expect(Number(tables.rows[0]?.n)).toBe(3);
  } finally {
    await db.destroy();
  }
});

test("init-db.sql's indexes serve a dashboard's queries", async () => {
  const pool = new pg.Pool({ connectionString: databaseUrl(), max: 1 });
  try {
    const client = await pool.connect();
    try {
      // Planned as if the tables were large: with a few rows PostgreSQL would rather read them whole.
      await client.query('SET enable_seqscan = off');
      const indexesUsed = async (query: string): Promise<string[]> => {
        const { rows } = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN (FORMAT JSON) ${query}`);
        return [...JSON.stringify(rows[0]!['QUERY PLAN']).matchAll(/"Index Name":"([^"]+)"/g)].map((m) => m[1]!);
      };
      expect(await indexesUsed('SELECT * FROM page_view_counts ORDER BY window_start DESC LIMIT 10')).toEqual(['page_view_counts_window_start_idx']);
      expect(await indexesUsed(`SELECT * FROM page_view_counts WHERE page_url = '/' ORDER BY window_start DESC LIMIT 60`)).toEqual(['page_view_counts_pkey']);
      expect(await indexesUsed('SELECT * FROM active_users ORDER BY window_start DESC LIMIT 10')).toEqual(['active_users_pkey']);
      expect(await indexesUsed(`SELECT * FROM user_sessions WHERE user_id = 'user-0001' ORDER BY session_start DESC LIMIT 20`)).toEqual(['user_sessions_pkey']);
      expect(await indexesUsed(`SELECT * FROM user_sessions WHERE status = 'open' ORDER BY session_start`)).toEqual(['user_sessions_open_idx']);
      // No index repeats the primary key's columns: it would only slow every upsert down.
      const { rows } = await client.query<{ indexname: string }>(`SELECT indexname FROM pg_indexes WHERE tablename = 'user_sessions' ORDER BY indexname`);
      expect(rows.map((r) => r.indexname)).toEqual(['user_sessions_open_idx', 'user_sessions_pkey']);
    } finally {
      client.release();
    }
  } finally {
    await pool.end();
  }
});
