import { WATERMARK_DELAY_MS, WINDOW_MS, type CrashEvent } from './crash-topology';

/** A small seeded PRNG (mulberry32): the same seed gives the same input and the same kill plan. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** 23:40 UTC: the 50 minutes of events cross midnight, so the lake gets two date directories. */
export const START = Date.UTC(2024, 0, 1, 23, 40, 0);
export const PARTITIONS = 3;
const USERS = 12;
const PAGES = ['/home', '/pricing', '/docs', '/blog', '/signup'];

export interface InputRecord {
  readonly partition: number;
  readonly key: string;
  readonly event: CrashEvent;
}

/**
 * `n` events, one a second from START, user `u<k>` always on partition `k % 3`. About one in ten
 * comes up to 15 s out of order (inside the 20 s watermark delay: not late); every 400th is five
 * minutes old, late for its window under the watermark rule (see `expectedCounts`).
 */
export function crashInput(n: number, seed: number): InputRecord[] {
  const next = random(seed);
  const out: InputRecord[] = [];
  for (let i = 0; i < n; i++) {
    const user = Math.floor(next() * USERS);
    let time = START + i * 1000;
    if (i % 400 === 399) time -= 5 * 60_000;
    else if (next() < 0.1) time -= Math.floor(next() * 15_000);
    const event: CrashEvent = {
      id: `e${String(i).padStart(5, '0')}`,
      event_time: new Date(time).toISOString(),
      user_id: `u${user}`,
      page_url: PAGES[Math.floor(next() * PAGES.length)]!,
      event_type: next() < 0.8 ? 'page_view' : 'click',
    };
    out.push({ partition: user % PARTITIONS, key: event.user_id, event });
  }
  return out;
}

/** An input record as read back from the topic. */
export interface ConsumedEvent {
  readonly partition: number;
  readonly offset: number;
  readonly event: CrashEvent;
}

/**
 * The counts the PostgreSQL table must end with, computed naively and apart from the library:
 * per partition, in offset order, an event is late iff its window's end + the watermark delay is at
 * or before the partition's stream time (the greatest event time seen) just before it. Late events
 * are not counted. Key: `page@windowStartIso`.
 */
export function expectedCounts(events: readonly ConsumedEvent[]): { counts: Map<string, number>; late: string[] } {
  const counts = new Map<string, number>();
  const late: string[] = [];
  const streamTime = new Map<number, number>();
  const ordered = [...events].sort((a, b) => a.partition - b.partition || a.offset - b.offset);
  for (const { partition, event } of ordered) {
    const time = Date.parse(event.event_time);
    const start = Math.floor(time / WINDOW_MS) * WINDOW_MS;
    const before = streamTime.get(partition) ?? -Infinity;
    if (start + WINDOW_MS + WATERMARK_DELAY_MS <= before) late.push(event.id);
    else {
      const key = `${event.page_url}@${new Date(start).toISOString()}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    streamTime.set(partition, Math.max(before, time));
  }
  return { counts, late };
}
