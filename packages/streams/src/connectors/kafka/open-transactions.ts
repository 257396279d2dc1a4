import { KafkaConsumer } from 'node-rdkafka';
import { baseConfig, type KafkaConnection } from './connection';
import * as rd from './promisified';

export interface OpenTransactionsOptions {
  /**
   * Called when some partition has to be waited for, with those partitions, then again every
   * `repeatMs` (15 s) with how long it has waited: a transaction the broker never aborts (a
   * hanging one: `kafka-transactions.sh find-hanging`) would otherwise hold a restore in silence.
   */
  readonly onWait?: (partitions: readonly string[], waitedMs: number) => void;
  readonly repeatMs?: number;
  readonly pollMs?: number;
}

/**
 * Waits until no transaction that had written to these partitions when it was called is still
 * open: until each partition's last stable offset (where a `read_committed` reader stops) has
 * reached its high watermark as of the call. Transactions begun since do not hold it up.
 *
 * A state restore needs it: an instance killed in the middle of a commit leaves its transaction
 * open on the checkpoint topic and its tasks' changelogs until the broker aborts it
 * (`transaction.timeout.ms`), and a `read_committed` read meanwhile ends at that transaction's
 * first record, on each partition where it wrote. Every commit writes to the checkpoint topic,
 * so the checkpoints committed since read as absent, while a changelog the killed instance did
 * not write to is read to its end: a task restored state newer than its checkpoint and processed
 * the records in between a second time.
 */
export async function waitForOpenTransactions(
  connection: KafkaConnection,
  clientId: string,
  partitions: ReadonlyArray<{ topic: string; partition: number }>,
  options: OpenTransactionsOptions = {},
): Promise<void> {
  if (partitions.length === 0) return;
  // librdkafka gives a read_uncommitted client the high watermark, a read_committed one the last stable offset.
  const connectAs = async (isolation: 'read_committed' | 'read_uncommitted') => {
    const consumer = new KafkaConsumer({ ...baseConfig(connection, clientId), 'group.id': `${clientId}-${isolation}`, 'isolation.level': isolation }, {});
    await rd.connect(consumer as never, 30_000);
    return consumer;
  };
  const endOf = (consumer: KafkaConsumer, p: { topic: string; partition: number }) => rd.watermarks(consumer as never, p.topic, p.partition, 10_000).then((w) => w.highOffset);
  const [uncommitted, committed] = await Promise.all([connectAs('read_uncommitted'), connectAs('read_committed')]);
  try {
    const highWatermarks = await Promise.all(partitions.map((p) => endOf(uncommitted, p)));
    let pending = partitions.map((p, i) => ({ ...p, highWatermark: highWatermarks[i]! }));
    const started = Date.now();
    let nextWarning = started;
    for (;;) {
      const stable = await Promise.all(pending.map((p) => endOf(committed, p)));
      pending = pending.filter((_, i) => stable[i]! < pending[i]!.highWatermark);
      if (pending.length === 0) return;
      if (Date.now() >= nextWarning) {
        options.onWait?.(pending.map((p) => `${p.topic}:${p.partition}`), Date.now() - started);
        nextWarning = Date.now() + (options.repeatMs ?? 15_000);
      }
      await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 200));
    }
  } finally {
    await Promise.all([rd.disconnect(uncommitted), rd.disconnect(committed)]);
  }
}
