import { sql, type Kysely } from 'kysely';
import { classifyError } from './classify-error';
import { quotedName } from './quoted-name';
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
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  if (typeof code !== 'string') return false;
  return code.startsWith('22') || code.startsWith('23') || code === '21000' || code === '54000';
}

/**
 * Writes `steps` in the open transaction of `db`, each group of rows under a savepoint: a group
 * the table refuses (isRefusal) is rolled back to its savepoint and written again as two halves,
 * down to single rows, which are returned instead of written. The halves keep the rows' order, so
 * the table ends as the whole flush would have left it, less the refused rows. Two rows that
 * PostgreSQL takes for one key (21000) land in different statements, in order, and both are
 * written: the later wins, as it would one by one.
 */
export async function writeSettingAside(db: Kysely<UntypedDb>, target: WriteTarget, steps: readonly WriteStep[]): Promise<RefusedRow[]> {
  const refused: RefusedRow[] = [];
  const attempt = async (kind: WriteStep['kind'], rows: readonly Row[]): Promise<void> => {
    await sql`savepoint streams_refused_rows`.execute(db);
    try {
      await writeStep(db, target, { kind, rows });
      await sql`release savepoint streams_refused_rows`.execute(db);
      return;
    } catch (error) {
      if (!isRefusal(error)) throw error;
      // ROLLBACK TO keeps the savepoint; released, the halves' savepoints are not nested under it.
      await sql`rollback to savepoint streams_refused_rows`.execute(db);
      await sql`release savepoint streams_refused_rows`.execute(db);
      if (rows.length === 1) {
        refused.push({ operation: kind, row: rows[0]!, sqlstate: (error as { code: string }).code, reason: classifyError(error, target.table).description });
        return;
      }
    }
    const half = Math.ceil(rows.length / 2);
    await attempt(kind, rows.slice(0, half));
    await attempt(kind, rows.slice(half));
  };
  for (const step of steps) await attempt(step.kind, step.rows);
  return refused;
}

/** Where a sink's refused rows go, in the transaction of the flush that refused them. */
export interface RefusedRowsTable {
  readonly name: string;
  /** Creates the table if it is missing. */
  ensure(): Promise<void>;
  write(db: Kysely<UntypedDb>, entry: { sink: string; table: string; commitId: number; rows: readonly RefusedRow[] }): Promise<void>;
}

/**
 * @example
 * const refusedRows = refusedRowsTable(db, 'streams_refused_rows');
 * await refusedRows.ensure();
 */
export function refusedRowsTable(db: Kysely<UntypedDb>, name: string): RefusedRowsTable {
  return {
    name,
    async ensure() {
      const { rows } = await sql<{ found: boolean }>`select to_regclass(${quotedName(name)}) is not null as found`.execute(db);
      if (rows[0]?.found === true) return; // no CREATE: the role may lack the privilege once the table exists
      try {
        // row_json is text, not jsonb: jsonb refuses "\u0000", one of the values tables refuse.
        await sql`create table if not exists ${sql.table(name)} (
          id           bigserial   primary key,
          sink         text        not null,
          target_table text        not null,
          operation    text        not null,
          row_json     text        not null,
          sqlstate     text        not null,
          reason       text        not null,
          commit_id    bigint      not null,
          refused_at   timestamptz not null default now()
        )`.execute(db);
      } catch (error) {
        // Two instances starting together both see no table; the loser's CREATE fails on the catalog.
        const code = (error as { code?: unknown }).code;
        if (code !== '42P07' && code !== '23505') throw error;
      }
    },
    async write(trx, { sink, table, commitId, rows }) {
      if (rows.length === 0) return;
      await trx
        .insertInto(name)
        .values(
          rows.map((r) => ({
            sink,
            target_table: table,
            operation: r.operation,
            row_json: rowJson(r.row),
            sqlstate: r.sqlstate,
            reason: r.reason,
            commit_id: commitId,
          })),
        )
        .execute();
    },
  };
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
