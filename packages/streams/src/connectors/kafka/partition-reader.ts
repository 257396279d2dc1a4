import { KafkaConsumer, type Message } from 'node-rdkafka';
import { baseConfig, type KafkaConnection } from './connection';
import { batchReader } from './batch-reader';
import * as rd from './promisified';

/**
 * Reads whole partitions from their beginning to their current end, committed records only
 * (`read_committed`): what a state restore needs, and a replay of dead letters. Not a group
 * member: it assigns partitions, and commits nothing.
 *
 * The end is where each partition stood when the read began (its last stable offset): a partition
 * is read once the end of the log is reported or a record at or past that end arrives. The end
 * event alone is not enough: librdkafka reports it only when a fetch comes back empty, and the
 * checkpoint and commit-marker topics, which every instance writes to in each commit, may never
 * be quiet that long while another instance runs (a read waited for as long as one committed).
 */
export async function readPartitions(
  connection: KafkaConnection,
  clientId: string,
  partitions: ReadonlyArray<{ topic: string; partition: number }>,
  onMessage: (message: Message) => void,
  options: {
    /** Awaited after each batch's records were given to `onMessage` (a reader that writes them on can flush). */
    readonly afterBatch?: () => Promise<void>;
    /**
     * Only the records before the end noted at the start: records written meanwhile are not given
     * (a replay that wrote them itself would read them again). Default: given, as committed state.
     */
    readonly onlyToStartEnd?: boolean;
  } = {},
): Promise<void> {
  if (partitions.length === 0) return;
  const consumer = new KafkaConsumer(
    {
      ...baseConfig(connection, clientId),
      'group.id': `${clientId}-restore`,
      'enable.auto.commit': false,
      'enable.partition.eof': true,
      'isolation.level': 'read_committed',
    },
    { 'auto.offset.reset': 'earliest' },
  );
  await rd.connect(consumer as never, 30_000);
  try {
    // Read committed, the high watermark librdkafka gives is the last stable offset.
    const ends = new Map(
      await Promise.all(partitions.map(async (p) => [`${p.topic}:${p.partition}`, (await rd.watermarks(consumer as never, p.topic, p.partition, 10_000)).highOffset] as [string, number])),
    );
    const remaining = new Set(ends.keys());
    // An empty or fully read partition reports end of partition.
    // An end reported below the one taken at the start (a new leader briefly behind) is not it:
    // librdkafka reports the end again once it gets there.
    consumer.on('partition.eof', (eof: { topic: string; partition: number; offset: number }) => {
      const id = `${eof.topic}:${eof.partition}`;
      if (eof.offset >= ends.get(id)!) remaining.delete(id);
    });
    consumer.assign(partitions.map((p) => ({ topic: p.topic, partition: p.partition, offset: 0 })));
    // consume(n) alone would wait for n records as long as they keep coming (see batch-reader.ts).
    const readBatch = batchReader(consumer, 100);
    while (remaining.size > 0) {
      const messages = await readBatch(10_000);
      for (const m of messages) {
        const id = `${m.topic}:${m.partition}`;
        const end = ends.get(id)!;
        // Records after the end (the partition grew meanwhile) are read too, unless told not to:
        // they are committed.
        if (!(options.onlyToStartEnd === true && m.offset >= end)) onMessage(m);
        if (m.offset + 1 >= end) remaining.delete(id);
      }
      if (messages.length > 0) await options.afterBatch?.();
    }
  } finally {
    consumer.unassign();
    await rd.disconnect(consumer);
  }
}
