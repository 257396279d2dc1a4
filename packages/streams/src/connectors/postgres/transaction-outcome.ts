import { sql, type Kysely } from 'kysely';
import type { UntypedDb } from './untyped-db';

/** What became of a transaction, as the server remembers it. */
export type TransactionOutcome = 'committed' | 'aborted' | 'in progress' | 'forgotten';

/**
 * The id of the transaction `conn` is in (assigning one if it has none yet), as text: a bigint.
 * Taken before COMMIT, it is what `transactionOutcome` asks about if the COMMIT's reply never comes.
 * @example const xid = await currentTransactionId(conn); // '741'
 */
export async function currentTransactionId(conn: Kysely<UntypedDb>): Promise<string> {
  const { rows } = await sql<{ xid: string }>`select txid_current()::text as xid`.execute(conn);
  return rows[0]!.xid;
}

/**
 * Whether a transaction committed, asked on another connection: the server's own record, which
 * nothing else written by any instance can imitate (commit ids are numbered per instance, so
 * two instances' commits can carry the same id and offsets). `forgotten`: the id is older than
 * what the server keeps (txid_status gives null), which never happens seconds after the COMMIT.
 * @example if ((await transactionOutcome(db, xid)) === 'committed') return;
 */
export async function transactionOutcome(db: Kysely<UntypedDb>, xid: string): Promise<TransactionOutcome> {
  const { rows } = await sql<{ status: TransactionOutcome | null }>`select txid_status(${xid}::bigint) as status`.execute(db);
  return rows[0]?.status ?? 'forgotten';
}
