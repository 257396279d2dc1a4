import { sql, type Kysely } from 'kysely';
import type { Logger } from '../../logging/logger';
import { partitionId, type PartitionOffset } from '../../runtime/record';
import type { CommitInfo, SinkRecord, SinkWriter } from '../../sinks/sink';
import type { RefusedRowsTable } from './refused-rows';
import { isRefusal, writeSettingAside, type RefusedRow } from './set-aside';
import { withRetry, type RetryOptions } from './retry';
import type { OffsetsTable } from './sink-offsets';
import { currentTransactionId, transactionOutcome } from './transaction-outcome';
import type { UntypedDb } from './untyped-db';
import { appendOnlyBuffer, lastWriteWinsBuffer, type Row, type WriteBuffer, type WriteStep } from './write-buffer';
import { writeStep, type WriteTarget } from './write-steps';
import { messageOf } from '../../util/error-message';

export interface WriterConfig<T> {
  readonly db: Kysely<UntypedDb>;
  readonly target: WriteTarget;
  readonly row: (value: T) => Row;
  /** Set for exactly-once: where the offsets go, under which sink id. */
  readonly offsets?: { readonly table: OffsetsTable; readonly sinkId: string };
  /** Set to set refused rows aside (`refusedRows: 'set-aside'`): where they go, under which sink id. */
  readonly refusedRows?: { readonly table: RefusedRowsTable; readonly sinkId: string };
  readonly retry: RetryOptions;
  /** `postgres sink <name>`, the prefix of messages. */
  readonly label: string;
  readonly logger: Logger;
}

/**
 * The writer of an opened PostgreSQL sink: `write` maps and buffers, `flush` writes the buffer in
 * one transaction (with the commit's offsets, for exactly-once), retrying transient failures.
 * @example const writer = postgresWriter({ db, target, row, retry: {}, label: 'postgres sink counts', logger });
 */
export function postgresWriter<T>(config: WriterConfig<T>): SinkWriter<T> {
  const { db, target, offsets, refusedRows, label, logger } = config;
  const newBuffer = (): WriteBuffer => (target.mode === 'upsert' ? lastWriteWinsBuffer(target.key) : appendOnlyBuffer(target.key));
  let buffer = newBuffer();
  /** Exactly-once: per input partition, the offset below which output is already in the table. */
  const skipBelow = new Map<string, number>();
  let skipped = 0;
  /** A record that could not be mapped: the next flush fails with it, so nothing past it is committed. */
  let failure: Error | undefined;
  let closed = false;

  const alreadyWritten = (record: SinkRecord<T>): boolean => {
    const origin = record.origin;
    // Aggregated results have no single input offset (-1); their upserts are idempotent anyway.
    if (origin === undefined || origin.offset < 0 || skipBelow.size === 0) return false;
    const next = skipBelow.get(partitionId(origin.topic, origin.partition));
    return next !== undefined && origin.offset < next;
  };

  /** Set when a COMMIT failed: it may have gone through on the server before the connection died. */
  let outcomeUnknown = false;
  /** Exactly-once: the id of the last transaction begun, which the server can say the fate of. */
  let lastTransaction: string | undefined;
  /**
   * Exactly-once: per input partition, the stamp of its offsets row as this writer's claim or last
   * committed write left it; a write finding another stamp fails (see OffsetsTable.claim).
   */
  const stamps = new Map<string, string>();
  /** The stamps the last transaction wrote: they hold once it is known to have committed. */
  let written = new Map<string, string>();
  const keepWritten = () => {
    for (const [id, stamp] of written) stamps.set(id, stamp);
    written = new Map();
  };
  /** Whether the last transaction failed at its COMMIT rather than before. */
  let commitFailed = false;
  // BEGIN/COMMIT by hand rather than kysely's `transaction()`: a failed ROLLBACK (the connection is
  // dead) must not replace the error that says what went wrong, and only a failed COMMIT leaves
  // the outcome unknown.
  const inTransaction = async (conn: Kysely<UntypedDb>, commit: CommitInfo, write: () => Promise<void>): Promise<void> => {
    commitFailed = false;
    await sql`begin`.execute(conn);
    try {
      // Without offsets a flush written twice is harmless (upserts) or allowed (at-least-once inserts).
      if (offsets) lastTransaction = await currentTransactionId(conn);
      await write();
      if (offsets) written = await offsets.table.write(conn, offsets.sinkId, commit, stamps);
    } catch (error) {
      written = new Map();
      await sql`rollback`.execute(conn).catch(() => {});
      throw error;
    }
    try {
      await sql`commit`.execute(conn);
    } catch (error) {
      outcomeUnknown = true;
      commitFailed = true;
      throw error;
    }
    keepWritten();
  };
  const transaction = (steps: readonly WriteStep[], commit: CommitInfo): Promise<void> =>
    db.connection().execute(async (conn) => {
      try {
        await inTransaction(conn, commit, async () => {
          for (const step of steps) await writeStep(conn, target, step);
        });
      } catch (error) {
        // A refusal at COMMIT (a deferred constraint) would come again at every COMMIT: it stops the sink.
        if (refusedRows === undefined || !isRefusal(error) || commitFailed) throw error;
        // Rolled back. Written again in smaller statements, the rows the table refuses set aside
        // in the same transaction: the happy path pays for no savepoint.
        let refused: RefusedRow[] = [];
        await inTransaction(conn, commit, async () => {
          refused = await writeSettingAside(conn, target, steps);
          await refusedRows.table.write(conn, { sink: refusedRows.sinkId, target, commitId: commit.id, rows: refused });
        });
        if (refused.length > 0) {
          logger.warn(`${label}: rows the table refused were set aside`, {
            rows: refused.length,
            refusedRowsTable: refusedRows.table.name,
            reasons: [...new Set(refused.map((r) => r.reason))].slice(0, 5),
            commitId: commit.id,
          });
        }
      }
    });

  /**
   * Whether the transaction of a COMMIT whose reply never came committed. Asked of the server, by
   * transaction id: not by looking for the commit's id and offsets in the offsets table, which
   * another instance's commit can hold too (each instance numbers its own commits), and which
   * a commit that read nothing new leaves as they were.
   */
  const committedAlready = async (xid: string): Promise<boolean> => {
    const outcome = await transactionOutcome(db, xid);
    if (outcome === 'committed') return true;
    if (outcome === 'aborted') return false;
    if (outcome === 'in progress') {
      // The server has not yet noticed that the connection is gone: retried like a connection failure.
      throw Object.assign(
        new Error(
          `the transaction of the failed COMMIT (${xid}) is still open on the server, which has not yet noticed that its connection is gone; ` +
            'if it stays open, end it (pg_terminate_backend) or let the server notice sooner (tcp_keepalives_idle, idle_in_transaction_session_timeout)',
        ),
        { code: '08006' },
      );
    }
    throw new Error(`cannot tell whether the failed COMMIT went through: the server no longer knows transaction ${xid}; a restart resumes from what the offsets table holds`);
  };

  return {
    write(records) {
      if (closed) throw new Error(`${label}: write after close`);
      for (const record of records) {
        if (failure !== undefined) return;
        if (alreadyWritten(record)) {
          skipped++;
          continue;
        }
        try {
          const row = config.row(record.value);
          if (record.retract === true) buffer.delete(row);
          else buffer.put(row);
        } catch (error) {
          failure = new Error(`${label}: cannot make a row of a record: ${messageOf(error)}`, { cause: error });
        }
      }
    },

    get buffered() {
      return buffer.size;
    },

    async flush(commit) {
      if (failure !== undefined) throw failure;
      if (closed) throw new Error(`${label}: flush after close`);
      if (skipped > 0) {
        logger.info(`${label}: skipped replayed records already in PostgreSQL`, { records: skipped, commitId: commit.id });
        skipped = 0;
      }
      // An empty flush writes nothing, not even offsets: stored offsets that lag are safe, they
      // only make recovery skip less, and no output exists above them.
      if (buffer.size === 0) return;
      const batch = buffer;
      buffer = newBuffer(); // `write` may run while this flush waits
      const steps = batch.steps();
      outcomeUnknown = false;
      try {
        await withRetry(
          async () => {
            if (outcomeUnknown && lastTransaction !== undefined && (await committedAlready(lastTransaction))) {
              keepWritten();
              logger.info(`${label}: the failed COMMIT had gone through; not writing again`, { commitId: commit.id });
              return;
            }
            await transaction(steps, commit);
          },
          config.retry,
          { label, table: target.table, logger, action: 'flush' },
        );
      } catch (error) {
        // Rolled back: keep the rows, ahead of any written since, for a later flush of the same input.
        batch.append(buffer);
        buffer = batch;
        throw error;
      }
    },

    async recover(positions: readonly PartitionOffset[]) {
      if (offsets === undefined) return;
      // Claimed, not only read: a writer that had these partitions before writes no more offsets
      // (nor rows with them) from here on, so what is read here is all that is written.
      const stored = await withRetry(() => offsets.table.claim(offsets.sinkId, positions), config.retry, {
        label,
        table: target.table,
        logger,
        action: 'recover',
      });
      for (const { topic, partition, offset } of positions) {
        const id = partitionId(topic, partition);
        const row = stored.get(id);
        if (row !== undefined) stamps.set(id, row.stamp);
        else stamps.delete(id);
        const next = row?.next;
        if (next !== undefined && next > offset) {
          skipBelow.set(id, next);
          logger.info(`${label}: output for ${id} is in PostgreSQL up to offset ${next}; replayed records below it are skipped`, {
            resumeAt: offset,
            storedNextOffset: next,
          });
        } else {
          skipBelow.delete(id);
        }
      }
    },

    async close() {
      // The database belongs to whoever created it; unflushed rows were never committed.
      closed = true;
      buffer = newBuffer();
    },
  };
}
