import { AdminClient, KafkaConsumer } from 'node-rdkafka';
import { brokers } from './kafka';

/**
 * The offsets a consumer group has committed for each partition of `topic` (index = partition);
 * -1001 (librdkafka's "invalid") for a partition with none. What a failure test checks: nothing
 * may be committed past a record whose output was not written.
 */
export async function groupOffsets(group: string, topic: string, partitions: number): Promise<number[]> {
  const consumer = new KafkaConsumer({ 'metadata.broker.list': brokers, 'group.id': group, 'enable.auto.commit': false }, {});
  await new Promise<void>((resolve, reject) => consumer.connect({}, (err) => (err ? reject(err) : resolve())));
  try {
    const asked = Array.from({ length: partitions }, (_, partition) => ({ topic, partition }));
    const committed = await new Promise<Array<{ partition: number; offset?: number }>>((resolve, reject) =>
      consumer.committed(asked, 10_000, (err, tps) => (err ? reject(err) : resolve(tps))),
    );
    const out = Array.from({ length: partitions }, () => -1001);
    for (const tp of committed) out[tp.partition] = tp.offset ?? -1001;
    return out;
  } finally {
    await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
  }
}

/** Deletes a topic (a test's own, or one it takes away from a running app on purpose). */
export async function deleteTopic(topic: string): Promise<void> {
  const admin = AdminClient.create({ 'metadata.broker.list': brokers });
  try {
    await new Promise<void>((resolve, reject) => admin.deleteTopic(topic, 15_000, (err) => (err ? reject(err) : resolve())));
  } finally {
    admin.disconnect();
  }
}
