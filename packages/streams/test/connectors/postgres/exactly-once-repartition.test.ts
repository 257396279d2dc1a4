import { Engine, memoryBackend, processor, silentLogger, streams, systemClock, type RawRecord, type SinkWriter, type StateBackend } from '../../../src';
import { postgresSink } from '../../../src/connectors/postgres';
import { repartitionTopicName } from '../../../src/runtime/repartition-exchange';
import { EXACTLY_ONCE_EVENTS_LOG, scratchSchema, type Scratch } from './scratch-db';
import { event, sourceOptions, type Event } from '../../support/events';

// postgresSink({ exactlyOnce: true }) stores, with each flush, the offsets of every input partition,
// and after a restart skips the replayed records below them. Behind a repartition topic
// (scaling: 'multi-instance') a record's place is its offset in that topic, which the downstream
// task reads behind the source: judged by its source offset, the records the task had not yet
// read back at the flush would be skipped after a crash, and lost.

let scratch: Scratch;
beforeAll(async () => {
  scratch = await scratchSchema('eo_repartition');
});
afterAll(() => scratch.drop());

const passOn = processor<Event, Event, number>({
  name: 'pass-on',
  process(e, ctx) {
    ctx.emit(e);
  },
});

describe('postgres exactlyOnce sink behind a repartition topic', () => {
  it('writes every record once after a crash between its flush and the state commit', async () => {
    const app = streams({ applicationId: 'eo-repartition' });
    app
      .source('events', sourceOptions)
      .withWatermark('1m')
      .groupBy((e) => e.user_id)
      .process(passOn)
      .to(
        postgresSink({
          db: scratch.db(),
          ...EXACTLY_ONCE_EVENTS_LOG,
          // the user id carries the input offset
          row: (e: Event) => ({ topic: 'events', partition: 0, offset: Number(e.user_id.slice(1)), user_id: e.user_id }),
        }),
      );
    const topology = app.topology();
    const sub = topology.subtopologies.find((s) => s.repartition)!;
    const rep = repartitionTopicName(app.applicationId, sub.repartition!);

    // The repartition topic, as Kafka would keep it; `unread` are sent and not yet consumed.
    const repLog: RawRecord[] = [];
    let unread: RawRecord[] = [];
    const memory = memoryBackend();
    let failFinalize = false;
    const backend: StateBackend = {
      ...memory,
      finalize: async (a, id) => {
        if (failFinalize) throw new Error('crash before the state commit');
        return memory.finalize(a, id);
      },
    };
    const start = async () => {
      const engine = new Engine({
        topology,
        backend,
        clock: systemClock,
        logger: silentLogger,
        idleTimeoutMs: 30_000,
        openSink: (sink, name) => sink.open({ applicationId: app.applicationId, nodeName: name, logger: silentLogger }) as Promise<SinkWriter<unknown>>,
        repartition: {
          send: (topic, partition, key, value) => {
            const raw: RawRecord = { topic, partition, offset: repLog.length, key, value };
            repLog.push(raw);
            unread.push(raw);
          },
          flush: async () => {},
        },
      });
      const resume = await engine.start({
        partitions: [{ topic: 'events', partition: 0 }, { topic: rep, partition: 0 }],
        partitionCounts: new Map([['events', 1], [rep, 1]]),
      });
      const positions = [
        { topic: 'events', partition: 0, offset: resume.get('events:0') ?? 0 },
        { topic: rep, partition: 0, offset: resume.get(`${rep}:0`) ?? 0 },
      ];
      await engine.resumeFrom(positions);
      return { engine, positions };
    };
    const source = (from: number, to: number): RawRecord[] =>
      Array.from({ length: to - from }, (_, i) => ({
        topic: 'events',
        partition: 0,
        offset: from + i,
        key: null,
        value: Buffer.from(JSON.stringify(event((from + i) * 1000, { user_id: `u${from + i}` }))),
        timestamp: 0,
      }));
    /** Reads `n` records of the repartition topic (all: n undefined). */
    const readRep = (engine: Engine, n?: number) => {
      const batch = unread.slice(0, n ?? unread.length);
      unread = unread.slice(batch.length);
      engine.process(batch);
    };

    // First life: offsets 0..4 go all the way through and commit.
    const first = (await start()).engine;
    first.process(source(0, 5));
    readRep(first);
    await first.committed(await first.commit());
    // 5..9 are read from the source; the downstream task has read back only 5 and 6 when the next
    // commit flushes; the process dies before that commit's state is final.
    first.process(source(5, 10));
    readRep(first, 2);
    failFinalize = true;
    await expect(first.commit()).rejects.toThrow('crash before the state commit');
    await first.close();
    failFinalize = false;

    // Restart: the state is at commit 1 (events:0@5, repartition@5); the source is read again from 5.
    unread = repLog.slice(5); // Kafka still has everything sent: the repartition topic is re-read from 5
    const { engine: second } = await start();
    second.process(source(5, 10));
    readRep(second);
    await second.committed(await second.commit());
    await second.close();

    const rows = (await scratch.rows<{ offset: string }>('select "offset" from events_log order by 1')).map((r) => Number(r.offset));
    expect(rows).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});
