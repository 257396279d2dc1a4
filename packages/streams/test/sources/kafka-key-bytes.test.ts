import { count, memorySink, streams, tumbling, type DeadLetter, type WindowResult } from '../../src';
import { createDecoder } from '../../src/sources/decoder';
import { TopologyTestDriver } from '../../src/testing';
import { event, sourceOptions } from '../support/events';

// The Kafka key is compared as bytes with what a producer sends for the source key (its UTF-8).
// Compared decoded, it was lossy both ways: a source key with a lone surrogate (valid JSON:
// "u\ud800"), which every JavaScript producer sends as the bytes of 'u\ufffd', was dead-lettered;
// and two Kafka keys that are not UTF-8 (0x75 0xff, 0x75 0xfe: two partitions, maybe) both passed
// for the one source key 'u\ufffd'.

function perUserCounts() {
  const app = streams({ applicationId: 'kafka-key-bytes' });
  const deadLetters = memorySink<DeadLetter>();
  const counts = memorySink<WindowResult<string, number>>();
  app.source('events', { ...sourceOptions, deadLetter: deadLetters }).withWatermark('1m').groupByKey().window(tumbling('1m')).aggregate(count()).to(counts);
  return { app, deadLetters, counts };
}

it('does not dead-letter a record the driver keyed by its own source key (a lone surrogate in the id)', async () => {
  const { app, deadLetters, counts } = perUserCounts();
  const driver = await TopologyTestDriver.create(app);
  await driver.pipe('events', event(0, { user_id: 'u\ud800' })); // no key given: "the source's key of the value"
  expect(driver.values(deadLetters).map((l) => l.reason)).toEqual([]);
  expect(driver.values(counts).at(-1)).toMatchObject({ key: 'u\ud800', value: 1 });
});

it('does not take two different Kafka keys (invalid UTF-8) as the one source key U+FFFD', () => {
  const { app } = perUserCounts();
  const topology = app.topology();
  const source = topology.sources[0]!;
  expect(topology.reliesOnKafkaKey(source)).toBe(true);
  const decode = createDecoder(source, true);
  const value = Buffer.from(JSON.stringify(event(0, { user_id: 'u\ufffd' })));
  const raw = (key: Buffer) => ({ topic: 'events', partition: 0, offset: 0, key, value, timestamp: 0 });
  const verdicts = [Buffer.from([0x75, 0xff]), Buffer.from([0x75, 0xfe])].map((key) => decode(raw(key), 0).ok);
  expect(verdicts).toEqual([false, false]);
});
