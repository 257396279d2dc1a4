import type { Kysely } from 'kysely';

/**
 * A database seen without its table types. The sink's options are checked against the user's
 * typed `Kysely<DB>`; inside, table and columns are only known at run time, as strings.
 */
export type UntypedDb = Record<string, Record<string, unknown>>;

/**
 * The same instance, typed for run-time names. Sound because the options were checked against
 * `DB` where they were written.
 * @example const db = untyped(options.db); await db.insertInto(options.table).values(rows).execute();
 */
export function untyped<DB>(db: Kysely<DB>): Kysely<UntypedDb> {
  return db as unknown as Kysely<UntypedDb>;
}
