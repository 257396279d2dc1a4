import { parseDateTime } from '../../time/date-time';
import type { ParquetColumn } from './columns';

/** Returns why a row cannot be written to the columns, or `undefined` when it can. */
export type RowCheck = (row: unknown) => string | undefined;

/**
 * Builds the check `write` runs on each row. It runs before a row is staged because a bad value
 * found later, when the staging file is rolled into Parquet, would fail every flush from then on;
 * here it fails at the record that carries it. It also refuses what JSON (the staging format)
 * cannot carry faithfully: NaN, infinities, integers beyond 2^53.
 *
 * @example
 * const check = rowCheck(parquetColumns(Event).filter((c) => !c.name.startsWith('_')));
 * check({ user_id: 1 }); // "user_id: expected a string, got number"
 */
export function rowCheck(columns: readonly ParquetColumn[]): RowCheck {
  const names = columns.map((c) => c.name);
  const types = columns.map((c) => c.type);
  const optional = columns.map((c) => c.optional);
  const n = columns.length;
  return (row) => {
    if (typeof row !== 'object' || row === null) return `expected an object, got ${describe(row)}`;
    const fields = row as Record<string, unknown>;
    for (let i = 0; i < n; i++) {
      const v = fields[names[i]!];
      if (v === undefined || v === null) {
        if (optional[i]) continue;
        return `${names[i]}: required, got ${String(v)}`;
      }
      const problem = checkValue(types[i]!, v);
      if (problem !== undefined) return `${names[i]}: ${problem}`;
    }
    return undefined;
  };
}

function checkValue(type: ParquetColumn['type'], v: unknown): string | undefined {
  switch (type) {
    case 'UTF8':
      return typeof v === 'string' ? undefined : `expected a string, got ${describe(v)}`;
    case 'BOOLEAN':
      return typeof v === 'boolean' ? undefined : `expected a boolean, got ${describe(v)}`;
    case 'DOUBLE':
      return typeof v === 'number' && Number.isFinite(v) ? undefined : `expected a finite number, got ${describe(v)}`;
    case 'INT32':
    case 'INT64':
      return Number.isSafeInteger(v) ? undefined : `expected a safe integer, got ${describe(v)}`;
    case 'TIMESTAMP_MILLIS':
      // Only what the `date-time` format takes (parseDateTime), not Date.parse's other readings: it
      // rolls an impossible day over ('2024-02-30' is 1 March) and 24:00 into the next day, and
      // reads a time with no offset, or '1', in the host's time zone.
      return typeof v === 'string' && !Number.isNaN(parseDateTime(v)) ? undefined : `expected a date-time string, got ${describe(v)}`;
  }
}

function describe(v: unknown): string {
  return typeof v === 'string' ? `'${v.length > 40 ? `${v.slice(0, 40)}…` : v}'` : typeof v === 'number' ? String(v) : typeof v;
}
