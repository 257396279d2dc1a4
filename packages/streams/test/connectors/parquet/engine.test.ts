import { Type } from '@sinclair/typebox';
import { memoryBackend, streams, VirtualClock, type RawRecord, type StateBackend } from '../../../src';
import { parquetSink } from '../../../src/connectors/parquet';
import { startEngine } from '../../support/engine';
import { event, Event, MIN, sourceOptions } from '../../support/events';
import { finalFiles, listFiles, makeLake, readLake, type ReadRow } from './lake-helpers';

// End to end through the real Engine (the TopologyTestDriver never opens sinks): the engine opens
// the sink, tells it where processing resumes, flushes it at each commit, and closes it.

/** The pipeline's event schema, with its event time declared as a date-time (a TIMESTAMP column). */
const LakeEvent = Type.Object({ ...Event.properties, event_time: Type.String({ format: 'date-time' }) });

const HOUR = 60 * MIN;
/** 20 events 3 hours apart from 2024-01-01 12:00 UTC: they span three days. */
const events = Array.from({ length: 20 }, (_, i) =>
  event(i * 3 * HOUR, { user_id: `u${i % 3}`, event_type: i % 5 === 4 ? 'session_end' : 'page_view' }),
);
const raws: RawRecord[] = events.map((e, offset) => ({ topic: 'events', partition: 0, offset, key: null, value: Buffer.from(JSON.stringify(e)) }));

function pipeline(dir: string) {
  const app = streams({ applicationId: 'lake-e2e' });
  app
    .source('events', sourceOptions)
    .filter((e) => e.event_type !== 'session_end')
    .to(parquetSink({ dir, schema: LakeEvent, rollRows: 4 }));
  return app;
}

/** A backend whose next commit fails once `failNext` is set: the crash between flush and commit. */
function failingBackend(): StateBackend & { failNext: boolean } {
  const inner = memoryBackend();
  const backend = Object.create(inner) as StateBackend & { failNext: boolean };
  backend.failNext = false;
  backend.prepare = async (...args) => {
    if (backend.failNext) throw new Error('crash: the commit never completes');
    return inner.prepare(...args);
  };
  return backend;
}

describe('parquet sink in the engine', () => {
  let lake: Awaited<ReturnType<typeof makeLake>>;
  beforeEach(async () => {
    lake = await makeLake();
  });
  afterEach(() => lake.remove());

  const kept = events.map((e, offset) => ({ e, offset })).filter(({ e }) => e.event_type !== 'session_end');

  it('writes the events that pass the filter, partitioned by event date, once each', async () => {
    const { engine } = await startEngine(pipeline(lake.dir), memoryBackend(), new VirtualClock(0));
    engine.process(raws.slice(0, 12));
    await engine.committed(await engine.commit());
    engine.process(raws.slice(12));
    await engine.committed(await engine.commit());
    await engine.close();

    expect(await listFiles(lake.dir)).toEqual(await finalFiles(lake.dir));
    expect((await finalFiles(lake.dir)).map((f) => f.split('/')[0])).toEqual(
      expect.arrayContaining(['event_date=2024-01-01', 'event_date=2024-01-02', 'event_date=2024-01-03']),
    );
    const rows = await readLake(lake.dir);
    const byOffset = rows.map((r): ReadRow => ({ ...r, file: r.file.split('/')[0] })).sort((a, b) => Number(a._offset) - Number(b._offset));
    expect(byOffset).toEqual(
      kept.map(({ e, offset }) => ({
        event_time: new Date(e.event_time),
        user_id: e.user_id,
        page_url: e.page_url,
        event_type: e.event_type,
        _topic: 'events',
        _partition: 0,
        _offset: BigInt(offset),
        file: `event_date=${e.event_time.slice(0, 10)}`,
      })),
    );
  });

  it('survives a crash between the sink flush and the state commit: the restart replays, the lake holds each event once', async () => {
    const backend = failingBackend();
    const { engine: first } = await startEngine(pipeline(lake.dir), backend, new VirtualClock(0));
    first.process(raws.slice(0, 8));
    await first.committed(await first.commit());
    first.process(raws.slice(8, 16));
    backend.failNext = true;
    await expect(first.commit()).rejects.toThrow('crash');
    // The engine stops: closing rolls what the flush staged (the flush itself only staged it).
    await first.close();
    // The flush went through: files of rows 8..15 are in the lake, but their commit is not.
    expect((await readLake(lake.dir)).some((r) => r._offset === 8n)).toBe(true);

    backend.failNext = false;
    const { engine: second, resumeAt } = await startEngine(pipeline(lake.dir), backend, new VirtualClock(0)); // recovers from offset 8
    expect(resumeAt).toBe(8);
    second.process(raws.slice(8));
    await second.committed(await second.commit());
    await second.close();

    const offsets = (await readLake(lake.dir)).map((r) => Number(r._offset)).sort((a, b) => a - b);
    expect(offsets).toEqual(kept.map((k) => k.offset));
    expect(await listFiles(lake.dir)).toEqual(await finalFiles(lake.dir));
  });
});
