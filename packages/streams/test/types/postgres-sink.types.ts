// Compile-time checks of postgresSink's typing, run by `tsc -p tsconfig.json --noEmit` (never
// executed). Each `@ts-expect-error` fails the type check if the line below it compiles.
import type { ColumnType, Generated, Kysely } from 'kysely';
import { count, streams, tumbling, type Sink, type WindowResult } from '../../src';
import { postgresSink } from '../../src/connectors/postgres';
import { sourceOptions } from '../support/events';

interface Db {
  page_view_counts: {
    page_url: string;
    window_start: Date;
    window_end: Date;
    view_count: number;
    updated_at: ColumnType<Date, Date | undefined, Date>;
  };
  audit: {
    id: Generated<number>;
    note: string | null;
  };
}
declare const db: Kysely<Db>;
type Count = WindowResult<string, number>;

const row = (r: Count) => ({ page_url: r.key, window_start: new Date(r.windowStart), window_end: new Date(r.windowEnd), view_count: r.value });

// A sink that fits: T is inferred from the mapper, the row is checked against the table.
export const counts: Sink<Count> = postgresSink({ db, table: 'page_view_counts', key: ['page_url', 'window_start'], row });

// Columns with a default (updated_at) or generated (id) may be left out; nullable ones too.
postgresSink({ db, table: 'audit', key: ['id'], mode: 'insert', row: (note: string) => ({ note }) });

// In a topology, T comes from the stream: the mapper's parameter needs no annotation.
streams({ applicationId: 'types' })
  .source('events', sourceOptions)
  .groupBy((e) => e.page_url)
  .window(tumbling('1m'))
  .aggregate(count())
  .to(
    postgresSink({
      db,
      table: 'page_view_counts',
      key: ['page_url', 'window_start'],
      row: (r) => ({ page_url: r.key, window_start: new Date(r.windowStart), window_end: new Date(r.windowEnd), view_count: r.value }),
    }),
  );

postgresSink({
  db,
  table: 'page_view_counts',
  key: ['page_url', 'window_start'],
  // @ts-expect-error view_count is a number column: a string does not fit
  row: (r: Count) => ({ page_url: r.key, window_start: new Date(r.windowStart), window_end: new Date(r.windowEnd), view_count: String(r.value) }),
});

postgresSink({
  db,
  table: 'page_view_counts',
  key: ['page_url', 'window_start'],
  // @ts-expect-error the table has no column `views`
  row: (r: Count) => ({ page_url: r.key, window_start: new Date(r.windowStart), window_end: new Date(r.windowEnd), view_count: r.value, views: 1 }),
});

postgresSink({
  db,
  table: 'page_view_counts',
  key: ['page_url', 'window_start'],
  // @ts-expect-error window_end is required (no default)
  row: (r: Count) => ({ page_url: r.key, window_start: new Date(r.windowStart), view_count: r.value }),
});

postgresSink({
  db,
  table: 'page_view_counts',
  // @ts-expect-error the key names a column the table does not have
  key: ['page_url', 'window'],
  row,
});

// @ts-expect-error no such table in the database
postgresSink({ db, table: 'page_views', key: ['page_url'], row });

postgresSink({
  db,
  table: 'page_view_counts',
  key: ['page_url', 'window_start'],
  row,
  // @ts-expect-error only 'upsert' and 'insert'
  mode: 'merge',
});

// @ts-expect-error a sink of counts cannot take strings
export const wrongInput: Sink<string> = postgresSink({ db, table: 'page_view_counts', key: ['page_url', 'window_start'], row });
