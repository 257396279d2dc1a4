import { KafkaConsumer, type Message } from 'node-rdkafka';
import { baseConfig, type KafkaConnection } from './connection';
import * as rd from './promisified';

/**
 * Reads whole partitions from their beginning to their current end, committed records only
 * (`read_committed`): what a state restore needs. Not a group member: it assigns partitions.
 */
export async function readPartitions(
  connection: KafkaConnection,
  clientId: string,
  partitions: ReadonlyArray<{ topic: string; partition: number }>,
  onMessage: (message: Message) => void,
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
    const remaining = new Set(partitions.map((p) => `${p.topic}:${p.partition}`));
    // An empty or fully read partition reports end of partition; the restore is done when all have.
    consumer.on('partition.eof', (eof: { topic: string; partition: number }) => remaining.delete(`${eof.topic}:${eof.partition}`));
    consumer.setDefaultConsumeTimeout(100);
    consumer.assign(partitions.map((p) => ({ topic: p.topic, partition: p.partition, offset: 0 })));
    while (remaining.size > 0) {
      const messages = await rd.consume(consumer, 10_000);
      for (const m of messages) {
        onMessage(m);
        // A message after an EOF means the partition grew: keep reading it.
      }
    }
  } finally {
    consumer.unassign();
    await rd.disconnect(consumer);
  }
}
