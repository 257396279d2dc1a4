import { sql, type Kysely } from 'kysely';
import type { UntypedDb } from './untyped-db';
import type { Row, WriteStep } from './write-buffer';

/** Where and how rows are written. */
export interface WriteTarget {
  readonly table: string;
  readonly key: readonly string[];
  readonly mode: 'upsert' | 'insert';
  readonly batchSize: number;
  /** SQL type of each column: rows go as one array per column (`unnest`), not one parameter per value. */
  readonly types?: ReadonlyMap<string, string>;
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
    if (arrayTypes(target, columns) !== undefined) {
      // One parameter per column, whatever the number of rows: as many rows as batchSize allows.
      for (const chunk of chunks(rows, target.batchSize)) await putRowsAsArrays(db, target, columns, chunk);
      continue;
    }
    const asJson = jsonColumns(target, columns);
    const sent = asJson.length === 0 ? rows : rows.map((row) => arraysAsJson(row, asJson));
    for (const chunk of chunks(sent, rowsPerStatement(target, columns.length))) await putRows(db, target, columns, chunk);
  }
}

/** The json and jsonb columns among `columns`, where the table's types are known. */
function jsonColumns(target: WriteTarget, columns: readonly string[]): string[] {
  return columns.filter((c) => {
    const type = target.types?.get(c);
    return type === 'json' || type === 'jsonb';
  });
}

/**
 * The row with its arrays in json columns as JSON text, as the unnest path sends them
 * (`arrayElement`): pg makes an array parameter a PostgreSQL array literal ('{1,2}'), which a
 * json column refuses, so such a row failed only in tables that also have an array column.
 */
function arraysAsJson(row: Row, columns: readonly string[]): Row {
  if (!columns.some((c) => Array.isArray(row[c]))) return row;
  const copy: Record<string, unknown> = { ...row };
  for (const c of columns) if (Array.isArray(copy[c])) copy[c] = JSON.stringify(copy[c]);
  return copy;
}

/**
 * The array type of each column, or undefined when a column's type is unknown or is itself an
 * array (unnest would flatten it): those rows go through a plain multi-row VALUES.
 */
function arrayTypes(target: WriteTarget, columns: readonly string[]): string[] | undefined {
  const types: string[] = [];
  for (const column of columns) {
    const type = target.types?.get(column);
    if (type === undefined || type.endsWith(']')) return undefined;
    types.push(`${type}[]`);
  }
  return types;
}

/**
 * A value as an element of a typed array parameter. Dates, bytes (a Buffer, or the Uint8Array a
 * Buffer becomes in a sink thread) and values with `toPostgres` are left to pg, which converts
 * them as it does a plain parameter (the path of the other writes, and of deletes: a row must
 * read the same whichever wrote it; a Date into `timestamp` is local time, as pg sends it).
 * Other objects and arrays become JSON text: pg would make an array a nested array literal.
 */
function arrayElement(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'object' || value instanceof Date || ArrayBuffer.isView(value) || 'toPostgres' in value) return value;
  return JSON.stringify(value);
}

/**
 * `INSERT ... SELECT * FROM unnest($1::t1[], $2::t2[], ...) ON CONFLICT ...`: a few large
 * parameters instead of rows × columns small ones, which kysely and pg would each build and
 * serialize one by one (about 50 µs a row with 8 columns; a few µs this way).
 */
async function putRowsAsArrays(db: Kysely<UntypedDb>, target: WriteTarget, columns: readonly string[], rows: readonly Row[]): Promise<void> {
  const types = arrayTypes(target, columns)!;
  const arrays = columns.map((column) => rows.map((row) => arrayElement(row[column])));
  const source = sql`select * from unnest(${sql.join(arrays.map((values, i) => sql`${values}::${sql.raw(types[i]!)}`))})`;
  const into = sql`insert into ${sql.table(target.table)} (${sql.join(columns.map((c) => sql.ref(c)))}) ${source}`;
  if (target.mode === 'insert') {
    await into.execute(db);
    return;
  }
  const updated = columns.filter((c) => !target.key.includes(c));
  const keys = sql.join(target.key.map((k) => sql.ref(k)));
  const action =
    updated.length === 0 ? sql`do nothing` : sql`do update set ${sql.join(updated.map((c) => sql`${sql.ref(c)} = ${sql.ref(`excluded.${c}`)}`))}`;
  await sql`${into} on conflict (${keys}) ${action}`.execute(db);
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
  const types = arrayTypes(target, target.key);
  if (types !== undefined) {
    const arrays = target.key.map((column) => rows.map((row) => arrayElement(row[column])));
    const keys = sql.join(arrays.map((values, i) => sql`${values}::${sql.raw(types[i]!)}`));
    const match = sql.join(
      target.key.map((k) => sql`${sql.ref(`t.${k}`)} = ${sql.ref(`k.${k}`)}`),
      sql` and `,
    );
    await sql`delete from ${sql.table(target.table)} as t using unnest(${keys}) as k(${sql.join(target.key.map((k) => sql.ref(k)))}) where ${match}`.execute(db);
    return;
  }
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
  // Rows made by one `row` function set the same columns in the same order: a row that sets
  // exactly the previous row's columns joins its group without sorting its keys.
  let previous: { group: { rows: Row[] }; inOrder: string[] } | undefined;
  for (const row of rows) {
    if (previous !== undefined && setsExactly(row, previous.inOrder)) {
      previous.group.rows.push(row);
      continue;
    }
    const inOrder = Object.keys(row).filter((c) => row[c] !== undefined);
    const columns = [...inOrder].sort();
    const signature = columns.join('\u0000');
    let group = groups.get(signature);
    if (group === undefined) groups.set(signature, (group = { columns, rows: [] }));
    group.rows.push(row);
    previous = { group, inOrder };
  }
  return new Map([...groups.values()].map((g) => [g.columns, g.rows]));
}

/** Whether the columns `row` sets (its keys with a value) are `columns`, in that order. */
function setsExactly(row: Row, columns: readonly string[]): boolean {
  let n = 0;
  for (const column in row) {
    if (row[column] === undefined) continue;
    if (column !== columns[n]) return false;
    n++;
  }
  return n === columns.length;
}

function rowsPerStatement(target: WriteTarget, parametersPerRow: number): number {
  return Math.max(1, Math.min(target.batchSize, Math.floor(MAX_PARAMETERS / Math.max(1, parametersPerRow))));
}

function* chunks<E>(items: readonly E[], size: number): Generator<readonly E[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}
