import { Type } from '@sinclair/typebox';
import { count, memorySink, streams, tumbling, type DeadLetter } from '../../src';
import { TopologyTestDriver } from '../../src/testing';

// JSON exchanged between systems must be UTF-8 (RFC 8259 §8.1); a value with bytes that are not
// UTF-8 is malformed, and Jackson (what Kafka Streams' JSON serdes use) refuses it. Decoded with
// Buffer#toString('utf8') alone, U+FFFD took the place of every invalid byte: the record passed,
// the bytes it carried were gone from every sink, and two different invalid ids ("u\xff",
// "u\xfe") became one key, their counts merged.

const Ev = Type.Object({ event_time: Type.String({ format: 'date-time' }), user_id: Type.String() });
const T0 = Date.UTC(2024, 0, 1, 12);

const withBytes = (before: string, bytes: number[], after: string) => Buffer.concat([Buffer.from(before), Buffer.from(bytes), Buffer.from(after)]);

it('dead-letters a value that is not UTF-8, rather than decode it with U+FFFD and merge two users into one', async () => {
  const app = streams({ applicationId: 'invalid-utf8' });
  const deadLetters = memorySink<DeadLetter>();
  const perUser = memorySink<{ key: string; value: number }>();
  app
    .source('events', { value: Ev, key: (e) => e.user_id, timestamp: (e) => Date.parse(e.event_time), deadLetter: deadLetters })
    .withWatermark('1m')
    .groupByKey()
    .window(tumbling('1m'))
    .aggregate(count())
    .to(perUser);
  const driver = await TopologyTestDriver.create(app);
  const time = new Date(T0).toISOString();
  await driver.pipe('events', withBytes(`{"event_time":"${time}","user_id":"u`, [0xff], '"}'), { key: 'a' });
  await driver.pipe('events', withBytes(`{"event_time":"${time}","user_id":"u`, [0xfe], '"}'), { key: 'a' });

  expect({
    deadLettered: driver.values(deadLetters).length,
    counted: driver.values(perUser).map((r) => [JSON.stringify(r.key), r.value]),
  }).toEqual({ deadLettered: 2, counted: [] });
  expect(driver.values(deadLetters)[0]!.reason).toBe('not UTF-8: a JSON value must be UTF-8 text (RFC 8259)');
});
