/** A row as the sink handles it once mapped: column name to value. */
export type Row = Readonly<Record<string, unknown>>;

/** One statement's worth of work: rows to write, or rows whose key is to be deleted. */
export interface WriteStep {
  readonly kind: 'put' | 'delete';
  readonly rows: readonly Row[];
}

/** Rows waiting for the next flush. */
export interface WriteBuffer {
  /** Rows held (for backpressure). */
  readonly size: number;
  put(row: Row): void;
  delete(row: Row): void;
  /** The statements to run, in an order that gives the same result as applying the operations one by one. */
  steps(): WriteStep[];
  /** Appends the operations of `later`, which were buffered after these. */
  append(later: WriteBuffer): void;
}

/**
 * Upsert mode: one operation per key survives, what applying them in order would leave in the
 * table: the last, with the columns earlier puts set and it leaves out; a put after a delete
 * also keeps the delete, which runs first. It is required: one `INSERT ... ON CONFLICT DO UPDATE`
 * may not touch the same key twice.
 * @example
 * const buffer = lastWriteWinsBuffer(['page_url', 'window_start']);
 * buffer.put(row); buffer.delete(row); // buffer.steps() → one delete of row's key
 */
export function lastWriteWinsBuffer(key: readonly string[]): WriteBuffer {
  // A put after a delete of its key keeps the delete (`deleteFirst`): deletes run before puts,
  // so the row is inserted afresh, its left-out columns their defaults, as in order.
  const ops = new Map<string, { kind: 'put' | 'delete'; row: Row; deleteFirst?: Row }>();
  const self: WriteBuffer = {
    get size() {
      return ops.size;
    },
    put: (row) => {
      const k = rowKey(row, key);
      const before = ops.get(k);
      if (before === undefined) ops.set(k, { kind: 'put', row });
      else if (before.kind === 'put') before.row = withColumnsOf(before.row, row);
      else ops.set(k, { kind: 'put', row, deleteFirst: before.row });
    },
    delete: (row) => void ops.set(rowKey(row, key), { kind: 'delete', row }),
    steps() {
      const deletes: Row[] = [];
      const puts: Row[] = [];
      for (const op of ops.values()) {
        if (op.kind === 'delete') deletes.push(op.row);
        else {
          if (op.deleteFirst !== undefined) deletes.push(op.deleteFirst);
          puts.push(op.row);
        }
      }
      return [
        ...(deletes.length > 0 ? [{ kind: 'delete' as const, rows: deletes }] : []),
        ...(puts.length > 0 ? [{ kind: 'put' as const, rows: puts }] : []),
      ];
    },
    append(later) {
      for (const step of later.steps()) for (const row of step.rows) self[step.kind](row);
    },
  };
  return self;
}

/**
 * `later` with the columns it leaves out (undefined) that `earlier` set: what writing both in
 * order leaves, since a column a row leaves out keeps its value on update. `later` itself when it
 * leaves out none of them (the common case: one `row` function sets the same columns every time).
 */
function withColumnsOf(earlier: Row, later: Row): Row {
  let merged: Record<string, unknown> | undefined;
  for (const column in earlier) {
    if (earlier[column] === undefined || later[column] !== undefined) continue;
    merged ??= { ...later };
    merged[column] = earlier[column];
  }
  return merged ?? later;
}

/**
 * Insert mode: every operation is kept, in order; consecutive operations of one kind share a step.
 * `key` names the columns a delete matches on.
 * @example
 * const buffer = appendOnlyBuffer(['topic', 'partition', 'offset']);
 * buffer.put(a); buffer.put(b); buffer.delete(c); // buffer.steps() → put [a, b], delete [c]
 */
export function appendOnlyBuffer(key: readonly string[]): WriteBuffer {
  const steps: Array<{ kind: 'put' | 'delete'; rows: Row[] }> = [];
  let size = 0;
  const add = (kind: 'put' | 'delete', row: Row) => {
    const last = steps[steps.length - 1];
    if (last?.kind === kind) last.rows.push(row);
    else steps.push({ kind, rows: [row] });
    size++;
  };
  return {
    get size() {
      return size;
    },
    put: (row) => add('put', row),
    delete: (row) => {
      rowKey(row, key); // throws if a key column is missing: `column = NULL` would silently match nothing
      add('delete', row);
    },
    steps: () => steps.map((s) => ({ kind: s.kind, rows: [...s.rows] })),
    append(later) {
      for (const step of later.steps()) for (const row of step.rows) add(step.kind, row);
    },
  };
}

/**
 * The identity of a row's key as a string. `JSON.stringify` alone fails on bigint; a Date
 * becomes its ISO time, so two Dates of the same instant are the same key, as in PostgreSQL.
 * @example rowKey({ page_url: '/a', window_start: new Date(0), view_count: 3 }, ['page_url', 'window_start']) // '["/a","1970-01-01T00:00:00.000Z"]'
 */
export function rowKey(row: Row, key: readonly string[]): string {
  return JSON.stringify(
    key.map((column) => {
      const value = row[column];
      if (value === undefined) throw new Error(`the row has no value for key column "${column}"`);
      return typeof value === 'bigint' ? value.toString() : value;
    }),
  );
}
