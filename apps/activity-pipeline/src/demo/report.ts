import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { KafkaConsumer, type Message } from 'node-rdkafka';
import type { Database } from '../db';

const time = (d: Date | null) => (d === null ? '—' : d.toISOString().slice(11, 19));

function table(title: string, rows: Array<Record<string, unknown>>): void {
  console.log(`\n${title}`);
  if (rows.length === 0) {
    console.log('  (no rows)');
    return;
  }
  const columns = Object.keys(rows[0]!);
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length)));
  const line = (cells: string[]) => `  ${cells.map((cell, i) => cell.padEnd(widths[i]!)).join('  ')}`;
  console.log(line(columns));
  console.log(line(widths.map((w) => '─'.repeat(w))));
  for (const r of rows) console.log(line(columns.map((c) => String(r[c]))));
}

/** Prints the latest rows of each table. */
export async function printTables(db: Kysely<Database>): Promise<void> {
  const views = await db.selectFrom('page_view_counts').selectAll().orderBy('window_start', 'desc').orderBy('view_count', 'desc').limit(10).execute();
  table(
    'page_view_counts (latest 1-minute windows, busiest pages first)',
    views.map((r) => ({ window: `${time(r.window_start)}–${time(r.window_end)}`, page_url: r.page_url, views: r.view_count })),
  );
  const active = await db.selectFrom('active_users').selectAll().orderBy('window_start', 'desc').limit(6).execute();
  table(
    'active_users (5-minute windows every minute)',
    active.map((r) => ({ window: `${time(r.window_start)}–${time(r.window_end)}`, distinct_users: r.active_users })),
  );
  const sessions = await db.selectFrom('user_sessions').selectAll().orderBy('last_event_time', 'desc').limit(10).execute();
  table(
    'user_sessions (most recent activity)',
    sessions.map((r) => ({
      user_id: r.user_id,
      start: time(r.session_start),
      end: time(r.session_end),
      seconds: r.duration_seconds ?? '—',
      status: r.status,
      events: r.event_count,
    })),
  );
  const counts = await db
    .selectFrom('user_sessions')
    .select(['status', db.fn.countAll<number>().as('sessions')])
    .groupBy('status')
    .orderBy('status')
    .execute();
  table('user_sessions by status', counts);
}

/** Prints the lake's partitions and files. */
export async function printLake(dir: string): Promise<void> {
  console.log(`\nParquet lake: ${dir}`);
  let partitions: string[] = [];
  try {
    partitions = (await readdir(dir)).filter((d) => d.startsWith('event_date=')).sort();
  } catch {
    console.log('  (empty)');
    return;
  }
  for (const partition of partitions) {
    const files = (await readdir(join(dir, partition))).filter((f) => f.endsWith('.parquet')).sort();
    console.log(`  ${partition}/  ${files.length} file(s)`);
    for (const f of files.slice(-5)) console.log(`    ${f}`);
  }
}

/** Prints the last few records of the enriched topic. */
export async function printEnriched(brokers: string, topic: string, howMany: number): Promise<void> {
  const consumer = new KafkaConsumer({ 'metadata.broker.list': brokers, 'group.id': `demo-reader-${Date.now()}`, 'enable.auto.commit': false }, { 'auto.offset.reset': 'latest' });
  await new Promise<void>((resolve, reject) => consumer.connect({ timeout: 10_000 }, (err) => (err ? reject(err) : resolve())));
  try {
    const meta = await new Promise<{ topics: Array<{ name: string; partitions: Array<{ id: number }> }> }>((resolve, reject) =>
      consumer.getMetadata({ topic, timeout: 10_000 }, (err, m) => (err ? reject(err) : resolve(m))),
    );
    const partitions = meta.topics.find((t) => t.name === topic)?.partitions ?? [];
    const assignments = [];
    for (const { id } of partitions) {
      const { highOffset } = await new Promise<{ highOffset: number }>((resolve, reject) =>
        consumer.queryWatermarkOffsets(topic, id, 10_000, (err, o) => (err ? reject(err) : resolve(o))),
      );
      assignments.push({ topic, partition: id, offset: Math.max(0, highOffset - Math.ceil(howMany / partitions.length)) });
    }
    consumer.assign(assignments);
    const messages: Message[] = [];
    const deadline = Date.now() + 5_000;
    while (messages.length < howMany && Date.now() < deadline) {
      messages.push(...(await new Promise<Message[]>((resolve, reject) => consumer.consume(howMany, (err, m) => (err ? reject(err) : resolve(m))))));
    }
    console.log(`\n${topic} (a few records, key = user_id)`);
    for (const m of messages.slice(0, howMany)) console.log(`  ${m.key?.toString()}  ${m.value?.toString()}`);
  } finally {
    consumer.unassign();
    await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
  }
}
