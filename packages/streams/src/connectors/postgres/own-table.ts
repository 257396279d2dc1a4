import { sql, type Kysely } from 'kysely';
import { sqlStateOf } from './classify-error';
import { quotedName } from './quoted-name';
import type { UntypedDb } from './untyped-db';

/**
 * Creates a table of the sink's own (its offsets, its refused rows), or an index of one, with
 * `create`, unless it exists: then nothing is run, as the role may lack the privilege to create
 * once it exists.
 * @example await ensureOwnTable(db, 'streams_sink_offsets', () => sql`create table if not exists …`.execute(db));
 */
export async function ensureOwnTable(db: Kysely<UntypedDb>, name: string, create: () => Promise<unknown>): Promise<void> {
  const { rows } = await sql<{ found: boolean }>`select to_regclass(${quotedName(name)}) is not null as found`.execute(db);
  if (rows[0]?.found === true) return;
  try {
    await create();
  } catch (error) {
    // Two instances starting together both see no table; the loser's CREATE fails on the catalog.
    const code = sqlStateOf(error);
    if (code !== '42P07' && code !== '23505') throw error;
  }
}
