import pg from 'pg';
import { sql } from 'kysely';
import { createPostgresDb } from '../../../src/connectors/postgres';
import { DATABASE_URL } from './scratch-db';

describe('createPostgresDb', () => {
  it('reads bigint as a number in its own pool only, and keeps values beyond 2^53 exact', async () => {
    const db = createPostgresDb<Record<string, never>>(DATABASE_URL, { max: 1 });
    const other = new pg.Pool({ connectionString: DATABASE_URL, max: 1 });
    try {
      const { rows } = await sql<{ small: unknown; big: unknown; int: unknown }>`
        select 42::bigint as small, 9007199254740993::bigint as big, 7::int as int`.execute(db);
      expect(rows).toEqual([{ small: 42, big: '9007199254740993', int: 7 }]);
      // Another pool of the same process still gets pg's default: strings.
      expect((await other.query('select 42::bigint as small')).rows).toEqual([{ small: '42' }]);
    } finally {
      await db.destroy();
      await other.end();
    }
  });
});
