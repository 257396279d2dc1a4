import { silentLogger } from '../../../src';
import { KafkaProducer } from '../../../src/connectors/kafka';
import { brokers, consumeAll, createTopic, uniqueName } from '../../support/kafka';

jest.setTimeout(60_000);

describe('KafkaProducer (the runtime’s shared producer)', () => {
  it('flushes every record, and only then resolves', async () => {
    const topic = uniqueName('producer-ok');
    await createTopic(topic, 2);
    const producer = await KafkaProducer.connect({ connection: { brokers }, clientId: 'test', logger: silentLogger });
    try {
      for (let i = 0; i < 5_000; i++) producer.send(topic, `k${i % 7}`, Buffer.from(String(i)));
      expect(producer.buffered).toBe(5_000);
      await producer.flush();
      expect(producer.buffered).toBe(0);
    } finally {
      await producer.close();
    }
    expect(await consumeAll(topic, { expected: 5_000, idleMs: 200 })).toHaveLength(5_000);
  });

  it('keeps records sent during a flush out of it and delivers them after, in order; flushes called together share one', async () => {
    // The engine goes on processing while a commit's flush runs: librdkafka's own flush waits for
    // an empty queue, which the records sent meanwhile would keep it from reaching.
    const topic = uniqueName('producer-during-flush');
    await createTopic(topic, 1);
    const producer = await KafkaProducer.connect({ connection: { brokers }, clientId: 'test', logger: silentLogger });
    try {
      for (let i = 0; i < 1_000; i++) producer.send(topic, 'k', Buffer.from(String(i)));
      const first = producer.flush();
      expect(producer.flush()).toBe(first); // a second sink's flush of the same records
      for (let i = 1_000; i < 1_500; i++) producer.send(topic, 'k', Buffer.from(String(i)));
      expect(producer.buffered).toBe(1_500);
      const second = producer.flush();
      expect(second).not.toBe(first);
      await first;
      expect(producer.buffered).toBe(500); // handed to librdkafka once the first flush ended, not yet acknowledged
      await second;
      expect(producer.buffered).toBe(0);
    } finally {
      await producer.close();
    }
    const values = (await consumeAll(topic, { expected: 1_500, idleMs: 200 })).map((m) => Number(m.value!.toString()));
    expect(values).toEqual(Array.from({ length: 1_500 }, (_, i) => i));
  });

  it('rejects the flush when a record could not be delivered (failures are the only delivery reports)', async () => {
    // A compacted topic refuses a record without a key: the broker's answer, so the failure comes
    // back asynchronously, as a delivery report.
    const topic = uniqueName('producer-fail');
    await createTopic(topic, 1, { 'cleanup.policy': 'compact' });
    const producer = await KafkaProducer.connect({ connection: { brokers }, clientId: 'test', logger: silentLogger });
    try {
      producer.send(topic, 'k', Buffer.from('fine'));
      producer.send(topic, null, Buffer.from('no key'));
      await expect(producer.flush()).rejects.toThrow(/not delivered/);
    } finally {
      await producer.close().catch(() => undefined);
    }
  });
});
