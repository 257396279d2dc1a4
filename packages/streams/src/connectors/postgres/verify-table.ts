import { sql, type Kysely } from 'kysely';
import type { UntypedDb } from './untyped-db';
import { missingTable } from './classify-error';
import { quotedName } from './quoted-name';

/** What the sink needs of its table. */
export interface TableRequirements {
  readonly table: string;
  readonly key: readonly string[];
  /** Upserts need a primary key or unique index on exactly the key columns (ON CONFLICT infers it). */
  readonly uniqueKey: boolean;
}

/**
 * Checks at start what would otherwise fail at the first flush, minutes later and mid-stream:
 * the table exists, has the key columns, and (for upserts) a unique index on them. It resolves
 * the name with `to_regclass`, as the INSERT will, so the `search_path` and quoting agree.
 * Returns a description of the problem, or `undefined` when the table fits.
 * @example
 * const problem = await checkTable(db, { table: 'page_view_counts', key: ['page_url', 'window_start'], uniqueKey: true });
 */
export async function checkTable(db: Kysely<UntypedDb>, req: TableRequirements): Promise<string | undefined> {
  const found = await sql<{ oid: number | null }>`select to_regclass(${quotedName(req.table)})::oid as oid`.execute(db);
  const oid = found.rows[0]?.oid ?? null;
  if (oid === null) return missingTable(req.table);

  const columns = await sql<{ name: string }>`
    select attname as name from pg_attribute where attrelid = ${oid} and attnum > 0 and not attisdropped order by attnum`.execute(db);
  const names = columns.rows.map((c) => c.name);
  const missing = req.key.filter((k) => !names.includes(k));
  if (missing.length > 0) {
    return `table "${req.table}" has no column ${missing.map((m) => `"${m}"`).join(', ')} (named in key); its columns are ${names.join(', ')}`;
  }
  if (!req.uniqueKey) return undefined;

  const indexes = await sql<{ columns: string[] }>`
    select array(select a.attname from unnest(i.indkey) as k(attnum) join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum)::text[] as columns
    from pg_index i where i.indrelid = ${oid} and i.indisunique and i.indpred is null and i.indexprs is null`.execute(db);
  const wanted = [...req.key].sort().join(',');
  if (indexes.rows.some((i) => [...i.columns].sort().join(',') === wanted)) return undefined;
  return `table "${req.table}" has no primary key or unique index on exactly (${req.key.join(', ')}), which upserts need (ON CONFLICT); add one or change key`;
}

/**
 * The SQL type of every column (as `format_type` spells it, e.g. `timestamp with time zone`), for
 * statements that pass a column's values as one typed array, which is cast explicitly. An
 * explicit cast to varchar(n), char(n), bit(n) or varbit(n) truncates or pads a value that the
 * INSERT's own conversion refuses (22001, 22026), as a row of plain parameters is: those are
 * named without their length (and `character` and `bit`, which mean length 1 without one, by their
 * unbounded kinds). Other modifiers stay: an explicit cast to numeric(p,s), timestamp(p) or
 * interval fields rounds as the INSERT does, so a retraction's key matches the stored one.
 */
export async function columnTypes(db: Kysely<UntypedDb>, table: string): Promise<Map<string, string>> {
  const rows = await sql<{ name: string; type: string }>`
    select a.attname as name,
           case a.atttypid
             when 'bpchar'::regtype then 'bpchar'
             when 'varchar'::regtype then 'character varying'
             when 'bit'::regtype then 'bit varying'
             when 'varbit'::regtype then 'bit varying'
             else format_type(a.atttypid, a.atttypmod)
           end as type
    from pg_attribute a
    where a.attrelid = to_regclass(${quotedName(table)}) and a.attnum > 0 and not a.attisdropped`.execute(db);
  return new Map(rows.rows.map((r) => [r.name, r.type]));
}
