import { sql, type Kysely } from 'kysely';
import type { UntypedDb } from './untyped-db';
import type { CommitInfo } from '../../sinks/sink';
import { quotedName } from './quoted-name';

/** A row of the offsets table: how far the input of one sink's flushed output reached. */
interface OffsetRow {
  sink: string;
  topic: string;
  partition: number;
  /** `bigint` in the table: `pg` returns it as a string unless told otherwise. */
  next_offset: number | string;
  commit_id: number | string;
  updated_at: Date | string;
}

type OffsetsDb = Record<string, OffsetRow>;

/**
 * The input offsets each exactly-once sink has written output for, kept in the sink's own
 * database so that they commit in the same transaction as the rows: after a crash, the table
 * says exactly which input is already reflected in PostgreSQL, whatever the source committed.
 */
export interface OffsetsTable {
  /** Creates the table if it is missing. */
  ensure(): Promise<void>;
  /** Stored next offsets of `sink`, by `topic:partition`. */
  read(sink: string): Promise<Map<string, number>>;
  /** Records the offsets of `commit` for `sink`; run it in the transaction that writes the rows. */
  write(db: Kysely<UntypedDb>, sink: string, commit: CommitInfo): Promise<void>;
}

/**
 * @example
 * const offsets = offsetsTable(db, 'streams_sink_offsets');
 * await offsets.ensure();
 */
export function offsetsTable(db: Kysely<UntypedDb>, name: string): OffsetsTable {
  const typed = (k: Kysely<UntypedDb>) => k as unknown as Kysely<OffsetsDb>;
  const select = (sink: string) =>
    typed(db).selectFrom(name).select(['topic', 'partition', 'next_offset']).where('sink', '=', sink).execute();
  return {
    async ensure() {
      const { rows } = await sql<{ found: boolean }>`select to_regclass(${quotedName(name)}) is not null as found`.execute(db);
      if (rows[0]?.found === true) return; // no CREATE: the role may lack the privilege once the table exists
      try {
        await sql`create table if not exists ${sql.table(name)} (
          sink        text        not null,
          topic       text        not null,
          partition   integer     not null,
          next_offset bigint      not null,
          commit_id   bigint      not null,
          updated_at  timestamptz not null default now(),
          primary key (sink, topic, partition)
        )`.execute(db);
      } catch (error) {
        // Two instances starting together both see no table; the loser's CREATE fails on the catalog.
        if (!isAlreadyCreated(error)) throw error;
      }
    },
    async read(sink) {
      const stored = new Map<string, number>();
      for (const row of await select(sink)) stored.set(`${row.topic}:${row.partition}`, Number(row.next_offset));
      return stored;
    },
    async write(trx, sink, commit) {
      if (commit.offsets.length === 0) return;
      await typed(trx)
        .insertInto(name)
        .values(commit.offsets.map((o) => ({ sink, topic: o.topic, partition: o.partition, next_offset: o.offset, commit_id: commit.id, updated_at: sql<Date>`now()` })))
        .onConflict((oc) =>
          oc.columns(['sink', 'topic', 'partition']).doUpdateSet({
            next_offset: sql.ref('excluded.next_offset'),
            commit_id: sql.ref('excluded.commit_id'),
            updated_at: sql.ref('excluded.updated_at'),
          }),
        )
        .execute();
    },
  };
}

function isAlreadyCreated(error: unknown): boolean {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return code === '42P07' || code === '23505';
}
