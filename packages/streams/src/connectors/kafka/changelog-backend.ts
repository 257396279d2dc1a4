import type { Message } from 'node-rdkafka';
import type { Logger } from '../../logging/logger';
import { applyChanges, type StateBackend, type TaskChanges, type TaskCheckpoint, type TaskSnapshot } from '../../state/backends/state-backend';
import type { Topology } from '../../topology/topology';
import type { Json } from '../../util/json';
import type { KafkaConnection } from './connection';
import { changelogTopic, checkpointTopic } from './internal-topics';
import type { KafkaProducer } from './kafka-producer';
import { readPartitions } from './partition-reader';
import { waitForOpenTransactions } from './open-transactions';

export interface ChangelogBackendOptions {
  readonly connection: KafkaConnection;
  readonly topology: Topology;
  /**
   * A transactional producer. In exactly-once mode it is the runtime's own, whose transaction the
   * runtime commits together with the outputs and offsets (`ownsTransaction: false`); otherwise
   * a producer of the backend's own, one transaction per commit.
   */
  readonly producer: KafkaProducer;
  readonly ownsTransaction: boolean;
  readonly logger: Logger;
}

interface CheckpointRecord {
  readonly id: number;
  readonly cp: TaskCheckpoint;
}

/**
 * Task state kept in Kafka, so that it follows its partitions to whichever instance gets them.
 * Every change of a store goes to its compacted changelog topic (`<app>-<store>-changelog`), in the
 * partition of its task; every task's checkpoint (the offsets and event-time progress its state
 * reflects) goes to `<app>-checkpoints`. All records of one commit are written in one Kafka
 * transaction, so a restore (reading with `read_committed`) sees every task as of the same
 * complete commit, never half of one.
 */
export class ChangelogBackend implements StateBackend {
  readonly kind = 'kafka-changelog';
  readonly durable = true;
  private lastId = 0;

  constructor(private readonly options: ChangelogBackendOptions) {}

  async restore(applicationId: string, taskIds: readonly string[]): Promise<Map<string, TaskSnapshot>> {
    const { connection, topology } = this.options;
    const wanted = new Set(taskIds);
    // A transaction still open on these partitions (an instance killed in a commit) would end the
    // reads below at its first record, on some partitions and not others: checkpoints older than
    // the changelogs (see waitForOpenTransactions). Wait for it to end first.
    const changelogsOfTasks = taskIds.flatMap((task) => {
      const [sub, partition] = task.split('_').map(Number) as [number, number];
      return (topology.subtopologies[sub]?.stores ?? []).map((store) => ({ topic: changelogTopic(applicationId, store), partition }));
    });
    await waitForOpenTransactions(connection, `${applicationId}-restore`, [{ topic: checkpointTopic(applicationId), partition: 0 }, ...changelogsOfTasks], {
      onWait: (partitions, waitedMs) =>
        this.options.logger.warn('restore waits for a transaction left open on the state topics (most likely an instance that stopped in a commit) to end: the broker aborts it after its transaction.timeout.ms', { partitions, waitedMs }),
    });
    const checkpoints = new Map<string, CheckpointRecord>();
    await readPartitions(connection, `${applicationId}-restore`, [{ topic: checkpointTopic(applicationId), partition: 0 }], (m) => {
      const task = m.key?.toString();
      if (task === undefined || !wanted.has(task)) return;
      if (m.value === null || m.value === undefined) checkpoints.delete(task);
      else checkpoints.set(task, JSON.parse(m.value.toString()) as CheckpointRecord);
    });

    const partitions: Array<{ topic: string; partition: number }> = [];
    const storesOfTopic = new Map<string, { store: string; subtopology: number }>();
    for (const task of checkpoints.keys()) {
      const [sub, partition] = task.split('_').map(Number) as [number, number];
      for (const store of topology.subtopologies[sub]?.stores ?? []) {
        const topic = changelogTopic(applicationId, store);
        storesOfTopic.set(topic, { store, subtopology: sub });
        partitions.push({ topic, partition });
      }
    }
    const state = new Map<string, Map<string, Map<string, Json>>>();
    await readPartitions(connection, `${applicationId}-restore`, partitions, (m: Message) => {
      const { store, subtopology } = storesOfTopic.get(m.topic)!;
      const task = `${subtopology}_${m.partition}`;
      let stores = state.get(task);
      if (stores === undefined) state.set(task, (stores = new Map()));
      const key = m.key!.toString();
      applyChanges(stores, new Map([[store, new Map([[key, m.value ? (JSON.parse(m.value.toString()) as Json) : null]])]]));
    });

    const out = new Map<string, TaskSnapshot>();
    for (const [task, { id, cp }] of checkpoints) {
      out.set(task, { checkpoint: cp, stores: state.get(task) ?? new Map() });
      this.lastId = Math.max(this.lastId, id);
    }
    this.options.logger.info('state restored from changelog topics', { tasks: [...out.keys()], partitions: partitions.length });
    return out;
  }

  prepare(applicationId: string, commitId: number, tasks: ReadonlyMap<string, TaskChanges>): Promise<void> {
    const { producer, ownsTransaction } = this.options;
    // Encoded before this returns: the engine processes on at once, changing the live values.
    const records: Array<{ topic: string; key: string; value: Buffer | null; partition: number }> = [];
    for (const [task, changes] of tasks) {
      const partition = Number(task.split('_')[1]);
      for (const [store, entries] of changes.stores) {
        const topic = changelogTopic(applicationId, store);
        for (const [key, value] of entries) records.push({ topic, key, value: value === null ? null : Buffer.from(JSON.stringify(value)), partition });
      }
      const record: CheckpointRecord = { id: commitId, cp: changes.checkpoint };
      records.push({ topic: checkpointTopic(applicationId), key: task, value: Buffer.from(JSON.stringify(record)), partition: 0 });
    }
    return (async () => {
      if (ownsTransaction) await producer.beginTransaction();
      for (const r of records) producer.send(r.topic, r.key, r.value, undefined, undefined, r.partition);
      await producer.flush();
    })();
  }

  async finalize(_applicationId: string, commitId: number): Promise<void> {
    if (this.options.ownsTransaction) await this.options.producer.commitTransaction([], undefined);
    this.lastId = commitId;
  }

  async prepared(): Promise<undefined> {
    // A commit is a Kafka transaction: one that did not finish is aborted by Kafka (a restart with
    // the same transactional id aborts it at once), never left pending.
    return undefined;
  }

  async lastCommitId(): Promise<number> {
    return this.lastId;
  }

  async close(): Promise<void> {
    if (this.options.ownsTransaction) await this.options.producer.abortTransaction().catch(() => undefined);
  }
}
