import { sql, type Kysely } from 'kysely';
import { ensureOwnTable } from './own-table';
import type { RefusedRow } from './set-aside';
import type { UntypedDb } from './untyped-db';
import { rowKey, type Row } from './write-buffer';
import type { WriteTarget } from './write-steps';

/** Where a sink's refused rows go, in the transaction of the flush that refused them. */
export interface RefusedRowsTable {
  readonly name: string;
  /** Creates the table if it is missing. */
  ensure(): Promise<void>;
  /**
   * Keeps `rows` for `sink`: one entry per key of the target table in upsert mode (the latest
   * refused row of the key), one per distinct row in insert mode. A replay of the same input
   * (aggregated results are never skipped, see the README) refuses the same rows again and
   * adds no entry; a later refused version of an upserted key replaces its entry.
   */
  write(db: Kysely<UntypedDb>, entry: { sink: string; target: WriteTarget; commitId: number; rows: readonly RefusedRow[] }): Promise<void>;
}

/** Entries a statement: 8 parameters each, well under PostgreSQL's 65,535. */
const ENTRIES_PER_STATEMENT = 1000;

/**
 * @example
 * const refusedRows = refusedRowsTable(db, 'streams_refused_rows');
 * await refusedRows.ensure();
 */
export function refusedRowsTable(db: Kysely<UntypedDb>, name: string): RefusedRowsTable {
  return {
    name,
    async ensure() {
      // row_json is text, not jsonb: jsonb refuses "\u0000", one of the values tables refuse.
      await ensureOwnTable(db, name, () =>
        sql`create table if not exists ${sql.table(name)} (
          id           bigserial   primary key,
          sink         text        not null,
          target_table text        not null,
          operation    text        not null,
          row_key      text        not null,
          row_json     text        not null,
          sqlstate     text        not null,
          reason       text        not null,
          commit_id    bigint      not null,
          refused_at   timestamptz not null default now()
        )`.execute(db),
      );
      // Checked on its own: a table made without it (by hand, or by a start that stopped between
      // the two) would refuse every entry's ON CONFLICT. The entry's identity is hashed: a key or
      // a row can pass the 2,700 bytes a btree entry takes.
      await ensureOwnTable(db, entryIndexOf(name), () =>
        sql`create unique index if not exists ${sql.id(unqualified(entryIndexOf(name)))} on ${sql.table(name)} (sink, target_table, operation, md5(row_key))`.execute(db),
      );
    },
    async write(trx, { sink, target, commitId, rows }) {
      // One entry per identity, the last: ON CONFLICT may not meet a row twice in one statement.
      const entries = new Map<string, Record<string, unknown>>();
      for (const r of rows) {
        const json = rowJson(r.row);
        // Upsert mode: the buffer has checked that every row has its key columns.
        const identity = target.mode === 'upsert' ? rowKey(r.row, target.key) : json;
        entries.set(`${r.operation}\u0000${identity}`, {
          sink,
          target_table: target.table,
          operation: r.operation,
          row_key: identity,
          row_json: json,
          sqlstate: r.sqlstate,
          reason: r.reason,
          commit_id: commitId,
        });
      }
      const all = [...entries.values()];
      for (let i = 0; i < all.length; i += ENTRIES_PER_STATEMENT) {
        await sql`insert into ${sql.table(name)} (sink, target_table, operation, row_key, row_json, sqlstate, reason, commit_id)
          values ${sql.join(
            all
              .slice(i, i + ENTRIES_PER_STATEMENT)
              .map((e) => sql`(${e.sink}, ${e.target_table}, ${e.operation}, ${e.row_key}, ${e.row_json}, ${e.sqlstate}, ${e.reason}, ${e.commit_id})`),
          )}
          on conflict (sink, target_table, operation, md5(row_key)) do update
            set row_json = excluded.row_json, sqlstate = excluded.sqlstate, reason = excluded.reason, commit_id = excluded.commit_id, refused_at = now()`.execute(trx);
      }
    },
  };
}

/** The entries' unique index, in the table's schema: `streams_refused_rows_entry_idx`. */
function entryIndexOf(name: string): string {
  return `${name}_entry_idx`;
}

/** A name without its schema: an index is created in its table's. */
function unqualified(name: string): string {
  return name.slice(name.lastIndexOf('.') + 1);
}

/**
 * The row as JSON text, as close as JSON gets to what was sent: a Date as its ISO time, a bigint
 * as its digits, bytes as PostgreSQL's hex form (`\x…`). JSON escapes control characters and
 * half surrogate pairs, so the text is always valid UTF-8 without U+0000.
 */
export function rowJson(row: Row): string {
  // `this[key]`, not `value`: a Buffer's toJSON has already made `value` a { type, data } object.
  return JSON.stringify(row, function (this: Record<string, unknown>, key: string, value: unknown) {
    const original = this[key];
    if (typeof original === 'bigint') return original.toString();
    if (original instanceof Uint8Array) return `\\x${Buffer.from(original.buffer, original.byteOffset, original.byteLength).toString('hex')}`;
    return value;
  });
}
