import { sql, type Kysely } from 'kysely';
import { classifyError, sqlStateOf } from './classify-error';
import { ensureOwnTable } from './own-table';
import type { UntypedDb } from './untyped-db';
import type { Row, WriteStep } from './write-buffer';
import { writeStep, type WriteTarget } from './write-steps';

/** A row the table refused, kept with why. */
export interface RefusedRow {
  readonly operation: WriteStep['kind'];
  readonly row: Row;
  readonly sqlstate: string;
  readonly reason: string;
}

/**
 * SQLSTATEs that a row's own values cause, so that the other rows of a statement would be taken:
 * class 22 (a value does not fit its column), class 23 (a constraint: check, not null, foreign
 * key, a unique index other than the key), 21000 (two rows of one statement that PostgreSQL takes
 * for one key) and 54000 (a key too long for its index). Anything else (a missing table or
 * column, permissions, a lost connection) would refuse every row alike, and stops the sink.
 */
export function isRefusal(error: unknown): boolean {
  const code = sqlStateOf(error);
  if (code === undefined) return false;
  return code.startsWith('22') || code.startsWith('23') || code === '21000' || code === '54000';
}

/**
 * Writes `steps` in the open transaction of `db`, each group of rows under a savepoint: a group
 * the table refuses (isRefusal) is rolled back to its savepoint and written again as two halves
 * (four rows or fewer, row by row), down to single rows, which are returned instead of written. The halves keep the rows' order, so
 * the table ends as the whole flush would have left it, less the refused rows. Two rows that
 * PostgreSQL takes for one key (21000) land in different statements, in order, and both are
 * written: the later wins, as it would one by one.
 */
export async function writeSettingAside(db: Kysely<UntypedDb>, target: WriteTarget, steps: readonly WriteStep[]): Promise<RefusedRow[]> {
  const refused: RefusedRow[] = [];
  // One savepoint, always just before the next group: a group written moves it past itself
  // (released and set again in one round trip: no parameters, so pg sends both as one simple
  // query), a refused one is rolled back to it. Two round trips a group, and no nesting.
  await sql.raw(`savepoint ${SAVEPOINT}`).execute(db);
  const attempt = async (kind: WriteStep['kind'], rows: readonly Row[]): Promise<void> => {
    try {
      await writeStep(db, target, { kind, rows });
      await sql.raw(`release savepoint ${SAVEPOINT}; savepoint ${SAVEPOINT}`).execute(db);
      return;
    } catch (error) {
      if (!isRefusal(error)) throw error;
      await sql.raw(`rollback to savepoint ${SAVEPOINT}`).execute(db);
      if (rows.length === 1) {
        refused.push({ operation: kind, row: rows[0]!, sqlstate: sqlStateOf(error)!, reason: classifyError(error, target.table).description });
        return;
      }
    }
    // A small group is tried row by row: halving it would cost more statements than its rows.
    if (rows.length <= ROW_BY_ROW) {
      for (const row of rows) await attempt(kind, [row]);
      return;
    }
    const half = Math.ceil(rows.length / 2);
    await attempt(kind, rows.slice(0, half));
    await attempt(kind, rows.slice(half));
  };
  for (const step of steps) await attempt(step.kind, step.rows);
  return refused;
}

const SAVEPOINT = 'streams_refused_rows';
/** Refused groups of this many rows or fewer are written one row at a time. */
const ROW_BY_ROW = 4;

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
        const rowKey = target.mode === 'upsert' ? keyJson(r.row, target.key) : json;
        entries.set(`${r.operation}\u0000${rowKey}`, {
          sink,
          target_table: target.table,
          operation: r.operation,
          row_key: rowKey,
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

/** The key columns' values as JSON text (a missing one as null: an insert can be refused for that). */
function keyJson(row: Row, key: readonly string[]): string {
  return rowJson(Object.fromEntries(key.map((column) => [column, row[column] ?? null])));
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
