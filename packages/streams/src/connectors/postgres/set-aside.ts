import { sql, type Kysely } from 'kysely';
import { classifyError, sqlStateOf } from './classify-error';
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
