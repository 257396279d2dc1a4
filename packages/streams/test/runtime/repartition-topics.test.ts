import { count, Engine, memoryBackend, processor, silentLogger, streams, sum, tumbling, VirtualClock, type RawRecord, type SinkRecord, type SinkWriter, type WindowResult } from '../../src';
import { repartitionTopicName } from '../../src/runtime/repartition-exchange';
import { TopologyTestDriver } from '../../src/testing';
import { event, MIN, sourceOptions, T0, type Event } from '../support/events';

// Re-keying through repartition topics (scaling: 'multi-instance'), where Kafka orders records
// within a partition only.

const passOn = processor<Event, Event, never>({ name: 'pass-on', process: (e, ctx) => ctx.emit(e) });

describe('repartition topics', () => {
  it.each([false, true])('two hops count every record, whichever first-hop partition is read first (reversed: %s)', async (reversed) => {
    const app = streams({ applicationId: 'hops' });
    const out: SinkRecord<unknown>[] = [];
    app.source('events', sourceOptions).withWatermark('1h').groupBy((e) => e.page_url).process(passOn).window(tumbling('1h')).aggregate(count()).to({
      kind: 'memory',
      target: 'out',
      open: async () => ({ write: (records) => void out.push(...records), buffered: 0, flush: async () => {}, close: async () => {} }),
    });
    const topology = app.topology();
    const [firstHop, secondHop] = topology.subtopologies.slice(1).map((s) => repartitionTopicName('hops', s.repartition!)) as [string, string];
    const sent: RawRecord[] = [];
    const nextOffset = new Map<string, number>();
    const engine = new Engine({
      topology,
      backend: memoryBackend(),
      clock: new VirtualClock(0),
      logger: silentLogger,
      idleTimeoutMs: 30_000,
      openSink: (sink, nodeName) => sink.open({ applicationId: 'hops', nodeName, logger: silentLogger }) as Promise<SinkWriter<unknown>>,
      repartition: {
        send: (topic, partition, key, value) => {
          const offset = nextOffset.get(`${topic}:${partition}`) ?? 0;
          nextOffset.set(`${topic}:${partition}`, offset + 1);
          sent.push({ topic, partition, offset, key, value });
        },
        flush: async () => {},
      },
    });
    const partitions = ['events', firstHop, secondHop].flatMap((topic) => [0, 1].map((partition) => ({ topic, partition })));
    await engine.start({ partitions, partitionCounts: new Map(['events', firstHop, secondHop].map((t) => [t, 2])) });
    await engine.resumeFrom(partitions.map((p) => ({ ...p, offset: 0 })));
    const pages = ['/a', '/b', '/c', '/d', '/e', '/f'];
    engine.process(pages.map((page, i) => ({ topic: 'events', partition: 0, offset: i, key: null, value: Buffer.from(JSON.stringify(event(i * 1000, { page_url: page }))) })));
    // The pages fall on both first-hop partitions; read one partition, then the other.
    const first = sent.splice(0);
    const byPartition = [0, 1].map((p) => first.filter((r) => r.partition === p));
    expect(byPartition.every((records) => records.length > 0)).toBe(true);
    for (const records of reversed ? byPartition.reverse() : byPartition) engine.process(records);
    engine.process(sent.splice(0).filter((r) => r.topic === secondHop));
    await engine.commit();
    const counts = out.map((r) => r.value as WindowResult<null, number>).filter((w) => w.windowStart === T0);
    expect(counts.at(-1)?.value).toBe(pages.length);
  });

  it('refuses to re-key the results of an aggregation, and says to run single-instance', async () => {
    const rollup = (applicationId: string) => {
      const app = streams({ applicationId });
      app
        .source('events', sourceOptions)
        .groupBy((e) => e.page_url)
        .window(tumbling('1m'))
        .aggregate(count(), { emit: 'final', name: 'per-minute' })
        .groupBy(() => 'all', { name: 'all-pages' })
        .window(tumbling('1h'))
        .aggregate(sum((r: WindowResult<string, number>) => r.value))
        .to({ kind: 'memory', target: 'out', open: async () => ({ write: () => {}, buffered: 0, flush: async () => {}, close: async () => {} }) });
      return app;
    };
    await expect(TopologyTestDriver.create(rollup('rollup-topics'), { repartition: 'topics' })).rejects.toThrow(
      "scaling 'multi-instance' cannot yet send the results of per-minute (re-keyed by all-pages) through a repartition topic",
    );
    // In process, the same topology runs.
    const driver = await TopologyTestDriver.create(rollup('rollup-in-process'));
    await driver.pipe('events', event(MIN));
    await driver.pipe('events', event(61 * MIN));
    expect(driver.metrics().late).toEqual({});
  });
});
