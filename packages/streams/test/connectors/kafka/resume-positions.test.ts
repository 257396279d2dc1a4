import { KafkaConsumer } from 'node-rdkafka';
import { silentLogger } from '../../../src';
import * as rd from '../../../src/connectors/kafka/promisified';
import { resumePositions } from '../../../src/connectors/kafka/resume-positions';
import { brokers, produce, uniqueName } from '../../support/kafka';
import { scratchTopics } from '../../support/scratch-topics';

jest.setTimeout(60_000);

// Where a partition with no checkpoint and no committed offset starts. `autoOffsetReset: 'latest'`
// is the source topics' setting. A repartition topic's records were sent by tasks whose input is
// already committed, and are never sent again: skipped, they were lost (an instance that died
// before its first commit downstream, restarted with 'latest'). Kafka Streams reads its internal
// topics from their start whatever the reset policy.

const topics = scratchTopics();
afterEach(() => topics.dropAll());

it("starts a source topic at its end with 'latest', and a repartition topic at its start", async () => {
  const source = uniqueName('resume-source');
  const repartition = uniqueName('resume-app-by-page-repartition');
  await topics.create(source, 1);
  await topics.create(repartition, 1);
  await produce(source, [{ value: 'a', partition: 0 }, { value: 'b', partition: 0 }]);
  await produce(repartition, [{ value: 'x', partition: 0 }, { value: 'y', partition: 0 }, { value: 'z', partition: 0 }]);
  const consumer = new KafkaConsumer({ 'metadata.broker.list': brokers, 'group.id': uniqueName('resume-positions') }, {});
  await rd.connect(consumer as never, 30_000);
  try {
    const partitions = [
      { topic: source, partition: 0 },
      { topic: repartition, partition: 0 },
    ];
    const resume = (autoOffsetReset: 'earliest' | 'latest') =>
      resumePositions({ consumer, partitions, checkpoints: new Map(), groupOffsets: new Map(), stateful: true, autoOffsetReset, sourceTopics: new Set([source]), logger: silentLogger });
    expect(await resume('latest')).toEqual([
      { topic: source, partition: 0, offset: 2 },
      { topic: repartition, partition: 0, offset: 0 },
    ]);
    expect(await resume('earliest')).toEqual([
      { topic: source, partition: 0, offset: 0 },
      { topic: repartition, partition: 0, offset: 0 },
    ]);
  } finally {
    await rd.disconnect(consumer);
  }
});
