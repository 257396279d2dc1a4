import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { UntypedDb } from './untyped-db';
import { partitionId, type PartitionOffset } from '../../runtime/record';
import type { CommitInfo } from '../../sinks/sink';
import { sqlStateOf } from './classify-error';
import { ensureOwnTable } from './own-table';
import { quotedName } from './quoted-name';

/**
 * The input offsets each exactly-once sink has written output for, kept in the sink's own
 * database so that they commit in the same transaction as the rows: after a crash, the table
 * says exactly which input is already reflected in PostgreSQL, whatever the source committed.
 */
export interface OffsetsTable {
  /** Creates the table if it is missing. */
  ensure(): Promise<void>;
  /**
   * Claims `partitions` for the writer that recovers them, and returns their stored rows by
   * `topic:partition`: the next offset, and the row's stamp (`updated_at` to the microsecond, see
   * `stampOf`), which the claim sets anew. A writer that recovered them before, and whose
   * transaction has not written its offsets yet (an instance the group dropped while its commit
   * waited), finds another stamp at `write` and fails: it can no longer write after the new
   * owner read the offsets. A partition with no row yet gets one, with next offset 0 (no output
   * written): its first write is fenced like every other.
   */
  claim(sink: string, partitions: readonly PartitionOffset[]): Promise<Map<string, { next: number; stamp: string }>>;
  /**
   * Records the offsets of `commit` for `sink`; run it in the transaction that writes the rows.
   * A stored offset only moves forward: a commit's offset of a partition can be behind what is
   * stored (the source resumed from a commit older than the sink's last flush, and this instance
   * has not replayed that partition yet), and its rows below the stored offset are already in the
   * table. Moved back, the next restart would insert them again.
   * A partition in `stamps` (this writer's claim or last write) is written only if its row still
   * has that stamp; otherwise another writer has claimed it since, and this throws. Returns the
   * stamps of the rows written, which hold once the transaction commits.
   */
  write(db: Kysely<UntypedDb>, sink: string, commit: CommitInfo, stamps: ReadonlyMap<string, string>): Promise<Map<string, string>>;
}

/**
 * A row's `updated_at` as exact text, the same whatever the session's DateStyle and TimeZone:
 * `updated_at::text` prints in the session's style, and read back (`::timestamptz`) a zone
 * abbreviation can mean another zone ('IST' reads as Israel's), so the owner's own stamp would
 * no longer match and every write of the rightful owner fail.
 */
function stampOf(column: RawBuilder<unknown>): RawBuilder<string> {
  return sql<string>`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US')`;
}

/** The error of a write to a partition that another writer has claimed since this one did. */
export function claimedByAnother(sink: string, partitions: readonly string[]): Error {
  return new Error(
    `another writer of sink ${sink} has recovered ${partitions.join(', ')} since this one did: another instance (the group gave the ` +
      'partition away, e.g. after a commit that waited longer than max.poll.interval.ms), or a second exactly-once sink of this ' +
      'application with the same name. This transaction is rolled back (its rows would come after the other read the offsets) and ' +
      'this instance stops; the other goes on from what it recovered. Give each exactlyOnce sink of an application its own name, ' +
      'and keep max.poll.interval.ms above the longest commit',
  );
}

export interface OffsetsTableOptions {
  /**
   * How long a claim waits for another session's lock on the partitions' rows before it fails
   * with an error (retried) that names that session. Default 10 s: the old owner's last flush
   * ends well within it; a connection the server has not seen die would hold it for hours.
   */
  readonly claimLockTimeoutMs?: number;
}

/**
 * @example
 * const offsets = offsetsTable(db, 'streams_sink_offsets');
 * await offsets.ensure();
 */
export function offsetsTable(db: Kysely<UntypedDb>, name: string, options: OffsetsTableOptions = {}): OffsetsTable {
  const lockTimeoutMs = options.claimLockTimeoutMs ?? 10_000;
  if (!Number.isInteger(lockTimeoutMs) || lockTimeoutMs < 1) throw new Error(`claimLockTimeoutMs must be a positive integer, not ${lockTimeoutMs}`);
  return {
    ensure: () =>
      ensureOwnTable(db, name, () =>
        sql`create table if not exists ${sql.table(name)} (
          sink        text        not null,
          topic       text        not null,
          partition   integer     not null,
          next_offset bigint      not null,
          commit_id   bigint      not null,
          updated_at  timestamptz not null default now(),
          primary key (sink, topic, partition)
        )`.execute(db),
      ),
    async claim(sink, partitions) {
      const claimed = new Map<string, { next: number; stamp: string }>();
      if (partitions.length === 0) return claimed;
      const keys = sql.join(partitions.map((p) => sql`(${p.topic}::text, ${p.partition}::int)`));
      const rows = await db.connection().execute(async (conn) => {
        await sql`begin`.execute(conn);
        try {
          await sql.raw(`set local lock_timeout = ${lockTimeoutMs}`).execute(conn);
          // clock_timestamp, not now(): a stamp no transaction of another writer can have set. A
          // partition with no row gets one, else a writer dropped before its first commit could
          // still insert that first row after the new owner found none.
          const result = await sql<{ topic: string; partition: number; next_offset: string; stamp: string }>`
            insert into ${sql.table(name)} as t (sink, topic, partition, next_offset, commit_id, updated_at)
            select ${sink}, k.topic, k.partition, 0, 0, clock_timestamp() from (values ${keys}) as k(topic, partition)
            on conflict (sink, topic, partition) do update set updated_at = clock_timestamp()
            returning t.topic, t.partition, t.next_offset::text as next_offset, ${stampOf(sql.ref('t.updated_at'))} as stamp`.execute(conn);
          await sql`commit`.execute(conn);
          return result.rows;
        } catch (error) {
          await sql`rollback`.execute(conn).catch(() => {});
          // Asked on this connection: another from the pool may never come (a pool of one, or
          // every connection in a claim held up by the same lock).
          if (sqlStateOf(error) === LOCK_NOT_AVAILABLE) throw await heldUpClaim(conn, name, partitions, lockTimeoutMs, error);
          throw error;
        }
      });
      for (const row of rows) claimed.set(partitionId(row.topic, row.partition), { next: Number(row.next_offset), stamp: row.stamp });
      return claimed;
    },
    async write(trx, sink, commit, stamps) {
      const written = new Map<string, string>();
      const guarded = commit.offsets.filter((o) => stamps.has(partitionId(o.topic, o.partition)));
      const free = commit.offsets.filter((o) => !stamps.has(partitionId(o.topic, o.partition)));
      if (guarded.length > 0) {
        const values = sql.join(
          guarded.map((o) => sql`(${o.topic}::text, ${o.partition}::int, ${o.offset}::bigint, ${stamps.get(partitionId(o.topic, o.partition))!}::text)`),
        );
        const { rows } = await sql<{ topic: string; partition: number; stamp: string }>`
          update ${sql.table(name)} as t set next_offset = greatest(t.next_offset, v.next_offset), commit_id = ${commit.id}, updated_at = now()
          from (values ${values}) as v(topic, partition, next_offset, stamp)
          where t.sink = ${sink} and t.topic = v.topic and t.partition = v.partition and ${stampOf(sql.ref('t.updated_at'))} = v.stamp
          returning t.topic, t.partition, ${stampOf(sql.ref('t.updated_at'))} as stamp`.execute(trx);
        for (const row of rows) written.set(partitionId(row.topic, row.partition), row.stamp);
        const lost = guarded.map((o) => partitionId(o.topic, o.partition)).filter((id) => !written.has(id));
        if (lost.length > 0) throw claimedByAnother(sink, lost);
      }
      if (free.length > 0) {
        const values = sql.join(free.map((o) => sql`(${o.topic}::text, ${o.partition}::int, ${o.offset}::bigint)`));
        const { rows } = await sql<{ topic: string; partition: number; stamp: string }>`
          insert into ${sql.table(name)} as t (sink, topic, partition, next_offset, commit_id, updated_at)
          select ${sink}, v.topic, v.partition, v.next_offset, ${commit.id}, now() from (values ${values}) as v(topic, partition, next_offset)
          on conflict (sink, topic, partition) do update
            set next_offset = greatest(t.next_offset, excluded.next_offset), commit_id = excluded.commit_id, updated_at = excluded.updated_at
          returning t.topic, t.partition, ${stampOf(sql.ref('t.updated_at'))} as stamp`.execute(trx);
        for (const row of rows) written.set(partitionId(row.topic, row.partition), row.stamp);
      }
      return written;
    },
  };
}

/** SQLSTATE of a `lock_timeout`: classified as transient, so the claim is tried again. */
const LOCK_NOT_AVAILABLE = '55P03';

/**
 * The error of a claim that waited `lockTimeoutMs` for the partitions' rows: it names the sessions
 * in a transaction on the offsets table (the row's holder is among them; PostgreSQL does not list
 * row locks), so the operator can tell a slow flush from a connection that is gone.
 */
async function heldUpClaim(db: Kysely<UntypedDb>, name: string, partitions: readonly PartitionOffset[], lockTimeoutMs: number, cause: unknown): Promise<Error> {
  const holders = await sql<{ pid: number; application: string; state: string; since: string }>`
    select a.pid, coalesce(nullif(a.application_name, ''), host(a.client_addr), 'local') as application, a.state,
           to_char(a.xact_start at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as since
    from pg_locks l join pg_stat_activity a on a.pid = l.pid
    where l.locktype = 'relation' and l.relation = to_regclass(${quotedName(name)}) and l.granted and l.pid <> pg_backend_pid()
    order by a.xact_start`
    .execute(db)
    .then(
      ({ rows }) => rows.map((h) => `pid ${h.pid} (${h.application}, ${h.state} since ${h.since})`).join(', '),
      () => 'unknown: they could not be listed',
    );
  const which = partitions.map((p) => partitionId(p.topic, p.partition)).join(', ');
  return Object.assign(
    new Error(
      `the offsets rows of ${which} in ${name} stayed locked by another session's transaction for ${lockTimeoutMs} ms: most likely the ` +
        "instance that had these partitions, whose last flush is still open (slow, or its connection is gone and the server has not " +
        `noticed yet). Sessions in a transaction on ${name}: ${holders || 'none any more'}. If it stays, end it with ` +
        'pg_terminate_backend(pid), or let the server notice lost connections sooner (tcp_keepalives_idle, idle_in_transaction_session_timeout)',
      { cause },
    ),
    { code: LOCK_NOT_AVAILABLE },
  );
}

