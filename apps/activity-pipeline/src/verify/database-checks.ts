import pg from 'pg';
import type { Config } from '../config';
import { TABLE_KEYS } from '../db';
import { redactedUrl } from '../redacted-url';
import { fail, pass, type CheckResult } from './report';

/** A connection to the pipeline's database, or why there is none. */
export async function connectDatabase(config: Config): Promise<{ result: CheckResult; client?: pg.Client }> {
  const where = redactedUrl(config.databaseUrl);
  const client = new pg.Client({ connectionString: config.databaseUrl, connectionTimeoutMillis: 5000, application_name: 'activity-pipeline-verify' });
  client.on('error', () => {}); // a connection lost later fails the query that uses it
  try {
    await client.connect();
    const { rows } = await client.query<{ server_version: string }>('SHOW server_version');
    return { result: pass('database', `${where}: PostgreSQL ${rows[0]?.server_version ?? '?'}`), client };
  } catch (error) {
    await client.end().catch(() => undefined);
    return { result: fail('database', `${where} is not reachable: ${(error as Error).message}\nset DATABASE_URL, or create the database and its tables with \`pnpm stack up\``) };
  }
}

/** The three tables exist, with their key columns as the primary key. */
export async function checkTables(client: pg.Client): Promise<CheckResult> {
  const problems: string[] = [];
  const found: string[] = [];
  for (const [table, key] of Object.entries(TABLE_KEYS)) {
    const { rows } = await client.query<{ column: string; in_key: boolean }>(
      `SELECT a.attname AS column, coalesce(a.attnum = ANY(i.indkey), false) AS in_key
         FROM pg_attribute a
         LEFT JOIN pg_index i ON i.indrelid = a.attrelid AND i.indisprimary
        WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped`,
      [table],
    );
    if (rows.length === 0) {
      problems.push(`table ${table} does not exist`);
      continue;
    }
    const missing = key.filter((c) => !rows.some((r) => r.column === c));
    const primaryKey = rows.filter((r) => r.in_key).map((r) => r.column);
    if (missing.length > 0) problems.push(`${table} has no column ${missing.join(', ')}`);
    else if ([...primaryKey].sort().join() !== [...key].sort().join()) problems.push(`${table}'s primary key is (${primaryKey.join(', ')}), not (${key.join(', ')})`);
    else found.push(`${table} (${key.join(', ')})`);
  }
  if (problems.length === 0) return pass('tables', found.join(', '));
  return fail('tables', `${problems.join('; ')}\napply init-db.sql (\`pnpm stack up\` does)`);
}
