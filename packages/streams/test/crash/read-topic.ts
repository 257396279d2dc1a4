import { KafkaConsumer, type Message } from 'node-rdkafka';
import { brokers, uniqueName } from '../support/kafka';

/**
 * Every record of a topic, read from offset 0 of each partition to its end. The end is the one
 * the broker reports (partition EOF at the high watermark taken first), not a count or a quiet
 * period: with duplicates in a topic, "as many records as events" can be reached before a
 * partition was read at all. Under `read_committed` the end lies past the last transaction marker.
 * @example const out = await readToEnd('crash-out-1', 'read_committed');
 */
export async function readToEnd(topic: string, isolation: 'read_committed' | 'read_uncommitted', timeoutMs = 60_000): Promise<Message[]> {
  const consumer = new KafkaConsumer(
    {
      'metadata.broker.list': brokers,
      'group.id': uniqueName('crash-reader'),
      'enable.auto.commit': false,
      'enable.partition.eof': true,
      'isolation.level': isolation,
    },
    {},
  );
  await new Promise<void>((resolve, reject) => consumer.connect({ topic, timeout: 10_000 }, (err) => (err ? reject(err) : resolve())));
  try {
    const metadata = await new Promise<{ topics: Array<{ name: string; partitions: Array<{ id: number }> }> }>((resolve, reject) =>
      consumer.getMetadata({ topic, timeout: 10_000 }, (err, m) => (err ? reject(err) : resolve(m))),
    );
    const partitions = metadata.topics.find((t) => t.name === topic)?.partitions.map((p) => p.id) ?? [];
    if (partitions.length === 0) throw new Error(`readToEnd: topic ${topic} has no partitions`);
    const ends = new Map<number, number>();
    for (const partition of partitions) {
      const { lowOffset, highOffset } = await new Promise<{ lowOffset: number; highOffset: number }>((resolve, reject) =>
        consumer.queryWatermarkOffsets(topic, partition, 10_000, (err, w) => (err ? reject(err) : resolve(w))),
      );
      if (lowOffset > 0) throw new Error(`readToEnd: ${topic}:${partition} starts at offset ${lowOffset}: records were deleted (retention?)`);
      ends.set(partition, highOffset);
    }
    const atEnd = new Set<number>([...ends].filter(([, end]) => end === 0).map(([p]) => p));
    consumer.on('partition.eof', (eof) => {
      if (eof.offset >= ends.get(eof.partition)!) atEnd.add(eof.partition);
    });
    consumer.assign(partitions.map((partition) => ({ topic, partition, offset: 0 })));
    consumer.setDefaultConsumeTimeout(200);
    const out: Message[] = [];
    const deadline = Date.now() + timeoutMs;
    while (atEnd.size < partitions.length) {
      if (Date.now() > deadline) throw new Error(`readToEnd: ${topic} not read to its end within ${timeoutMs} ms (${out.length} records so far)`);
      out.push(...(await new Promise<Message[]>((resolve, reject) => consumer.consume(1000, (err, m) => (err ? reject(err) : resolve(m))))));
    }
    return out;
  } finally {
    await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
  }
}
