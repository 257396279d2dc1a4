import type { CommitInfo, Sink, SinkRecord, WindowResult } from '../../../src';
import { postgresSink, type PostgresSinkOptions } from '../../../src/connectors/postgres';
import type { TestDb } from './scratch-db';

export const T0 = Date.UTC(2024, 0, 1, 12, 0, 0);
export const MIN = 60_000;

export type Count = WindowResult<string, number>;

/** A per-minute page view count, as a windowed aggregation emits it. */
export function count(page: string, minute: number, value: number, options: { retract?: boolean } = {}): SinkRecord<Count> {
  const windowStart = T0 + minute * MIN;
  return {
    value: { key: page, windowStart, windowEnd: windowStart + MIN, value },
    timestamp: windowStart,
    key: page,
    // Aggregated results have no single input record.
    origin: { topic: 'events', partition: 0, offset: -1, watermark: windowStart },
    ...(options.retract === true ? { retract: true } : {}),
  };
}

export function commit(id: number, offsets: CommitInfo['offsets'] = []): CommitInfo {
  return { id, offsets };
}

/** The sink of `page_view_counts`, as an application would declare it. */
export function countsSink(
  options: Omit<PostgresSinkOptions<TestDb, 'page_view_counts', Count>, 'table' | 'key' | 'row'>,
): Sink<Count> {
  return postgresSink({
    table: 'page_view_counts',
    key: ['page_url', 'window_start'],
    row: (r: Count) => ({
      page_url: r.key,
      window_start: new Date(r.windowStart),
      window_end: new Date(r.windowEnd),
      view_count: r.value,
    }),
    ...options,
  });
}

/** `page_view_counts` as `{ page: minute → count }` lines, sorted: easy to compare. */
export interface CountRow {
  page_url: string;
  window_start: Date;
  view_count: string;
}
export function summarize(rows: readonly CountRow[]): string[] {
  return rows.map((r) => `${r.page_url}@${(r.window_start.getTime() - T0) / MIN}=${r.view_count}`).sort();
}
export const COUNTS_QUERY = 'select page_url, window_start, view_count from page_view_counts order by 1, 2';
