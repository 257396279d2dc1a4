import Kafka from 'node-rdkafka';

// Creating the pipeline's topics with the AdminClient. An existing topic is left as it is: adding
// partitions would move keys to other partitions and break per-key ordering of data already there.

export interface TopicsResult {
  created: string[];
  existing: string[];
}

export async function ensureTopics(
  bootstrapServers: string,
  names: readonly string[],
  partitions: number,
  replicationFactor: number,
): Promise<TopicsResult> {
  const admin = Kafka.AdminClient.create({ 'bootstrap.servers': bootstrapServers, 'client.id': 'stack-topics' });
  const result: TopicsResult = { created: [], existing: [] };
  try {
    for (const topic of names) {
      const created = await new Promise<boolean>((resolve, reject) =>
        admin.createTopic({ topic, num_partitions: partitions, replication_factor: replicationFactor }, 30_000, (err) => {
          if (!err) resolve(true);
          else if (err.code === Kafka.CODES.ERRORS.ERR_TOPIC_ALREADY_EXISTS) resolve(false);
          else reject(new Error(`creating topic ${topic}: ${err.message}`));
        }),
      );
      (created ? result.created : result.existing).push(topic);
    }
  } finally {
    admin.disconnect();
  }
  return result;
}

export async function deleteTopic(bootstrapServers: string, topic: string): Promise<void> {
  const admin = Kafka.AdminClient.create({ 'bootstrap.servers': bootstrapServers, 'client.id': 'stack-topics' });
  try {
    await new Promise<void>((resolve, reject) =>
      admin.deleteTopic(topic, 30_000, (err) => (err ? reject(new Error(`deleting topic ${topic}: ${err.message}`)) : resolve())),
    );
  } finally {
    admin.disconnect();
  }
}

/** Partitions of some topics (replicas, in-sync replicas, leader), through a metadata request. */
export async function topicMetadata(bootstrapServers: string, topics: readonly string[]): Promise<Kafka.TopicMetadata[]> {
  const producer = new Kafka.Producer({ 'bootstrap.servers': bootstrapServers, 'client.id': 'stack-metadata' });
  await new Promise<void>((resolve, reject) => producer.connect({}, (err) => (err ? reject(err) : resolve())));
  try {
    const metadata = await new Promise<Kafka.Metadata>((resolve, reject) =>
      producer.getMetadata({ allTopics: true, timeout: 10_000 }, (err, data) => (err ? reject(err) : resolve(data))),
    );
    return metadata.topics.filter((t) => topics.includes(t.name));
  } finally {
    await new Promise<void>((resolve) => producer.disconnect(5000, () => resolve()));
  }
}
