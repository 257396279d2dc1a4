import { sql, type Kysely } from 'kysely';
import type { UntypedDb } from './untyped-db';
import type { Row, WriteStep } from './write-buffer';

/** Where and how rows are written. */
export interface WriteTarget {
  readonly table: string;
  readonly key: readonly string[];
  readonly mode: 'upsert' | 'insert';
  readonly batchSize: number;
}

/** PostgreSQL's limit of bind parameters in one statement (the protocol counts them in 16 bits). */
const MAX_PARAMETERS = 65_535;

/**
 * Runs one step as statements of at most `batchSize` rows.
 * @example for (const step of buffer.steps()) await writeStep(trx, target, step);
 */
export async function writeStep(db: Kysely<UntypedDb>, target: WriteTarget, step: WriteStep): Promise<void> {
  if (step.kind === 'delete') {
    for (const rows of chunks(step.rows, rowsPerStatement(target, target.key.length))) await deleteRows(db, target, rows);
    return;
  }
  for (const [columns, rows] of byColumns(step.rows)) {
    for (const chunk of chunks(rows, rowsPerStatement(target, columns.length))) await putRows(db, target, columns, chunk);
  }
}

/**
 * `INSERT ... ON CONFLICT (key) DO UPDATE SET c = excluded.c` for every non-key column of the
 * rows: each row carries absolute values, so writing it again (a replay) leaves the same row.
 */
async function putRows(db: Kysely<UntypedDb>, target: WriteTarget, columns: readonly string[], rows: readonly Row[]): Promise<void> {
  const insert = db.insertInto(target.table).values(rows);
  if (target.mode === 'insert') {
    await insert.execute();
    return;
  }
  const updated = columns.filter((c) => !target.key.includes(c));
  await insert
    .onConflict((oc) =>
      updated.length === 0
        ? oc.columns(target.key).doNothing()
        : oc.columns(target.key).doUpdateSet(Object.fromEntries(updated.map((c) => [c, sql.ref(`excluded.${c}`)]))),
    )
    .execute();
}

/** Deletes the rows with the keys of `rows` (a retraction carries the row it retracts). */
async function deleteRows(db: Kysely<UntypedDb>, target: WriteTarget, rows: readonly Row[]): Promise<void> {
  await db
    .deleteFrom(target.table)
    .where((eb) => eb.or(rows.map((row) => eb.and(target.key.map((column) => eb(column, '=', row[column]))))))
    .execute();
}

/**
 * Groups rows by the columns they set. A multi-row INSERT gives every row the union of the
 * columns, so a row without `updated_at` would get its DEFAULT, and in an upsert overwrite the
 * stored value: grouping keeps "a column left out is left alone" true for every row.
 */
function byColumns(rows: readonly Row[]): Map<readonly string[], Row[]> {
  const groups = new Map<string, { columns: string[]; rows: Row[] }>();
  for (const row of rows) {
    const columns = Object.keys(row)
      .filter((c) => row[c] !== undefined)
      .sort();
    const signature = columns.join('\u0000');
    const group = groups.get(signature);
    if (group === undefined) groups.set(signature, { columns, rows: [row] });
    else group.rows.push(row);
  }
  return new Map([...groups.values()].map((g) => [g.columns, g.rows]));
}

function rowsPerStatement(target: WriteTarget, parametersPerRow: number): number {
  return Math.max(1, Math.min(target.batchSize, Math.floor(MAX_PARAMETERS / Math.max(1, parametersPerRow))));
}

function* chunks<E>(items: readonly E[], size: number): Generator<readonly E[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}
