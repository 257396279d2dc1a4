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
      if (typeof v !== 'string') return `expected a string, got ${describe(v)}`;
      // Half a surrogate pair has no UTF-8 form: it would be written as U+FFFD, so that two
      // different values ('user\ud800', 'user\udbff') read back as one.
      return (v as WellFormedCheck).isWellFormed() ? undefined : `expected a well-formed string, got ${describe(v)} (half a UTF-16 surrogate pair, which UTF-8 cannot hold)`;
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

/** String.prototype.isWellFormed (Node 20; ES2024, past the lib this package compiles against). */
type WellFormedCheck = string & { isWellFormed(): boolean };

/** A value for a message; half surrogate pairs escaped (`\ud800`), which UTF-8 would print as U+FFFD. */
function describe(v: unknown): string {
  if (typeof v !== 'string') return typeof v === 'number' ? String(v) : typeof v;
  const text = v.length > 40 ? `${v.slice(0, 40)}…` : v;
  return `'${text.replace(/\p{Cs}/gu, (c) => `\\u${c.charCodeAt(0).toString(16)}`)}'`;
}
