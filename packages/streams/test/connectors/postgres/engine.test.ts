import { count, memoryBackend, streams, tumbling, type RawRecord, type StateBackend } from '../../../src';
import { postgresSink } from '../../../src/connectors/postgres';
import { startEngine } from '../../support/engine';
import { event, MIN, sourceOptions, type Event } from '../../support/events';
import { COUNTS_QUERY, summarize, type CountRow } from './records';
import { scratchSchema, type Scratch } from './scratch-db';

// End to end through the real Engine (the TopologyTestDriver never opens sinks): the engine opens
// the sink, tells it where processing resumes, flushes it at each commit and closes it.

let scratch: Scratch;
beforeAll(async () => {
  scratch = await scratchSchema('engine');
});
afterAll(() => scratch.drop());
beforeEach(() => scratch.admin.query('truncate page_view_counts, clicks; drop table if exists streams_sink_offsets'));

const raw = (events: readonly Event[], from = 0): RawRecord[] =>
  events.map((e, i) => ({ topic: 'events', partition: 0, offset: from + i, key: null, value: Buffer.from(JSON.stringify(e)) }));

/** A memory backend whose commits fail while `crash` is set: the process dies after the sinks flushed. */
function crashingBackend(): StateBackend & { crash: boolean } {
  const inner = memoryBackend();
  const backend = Object.create(inner) as StateBackend & { crash: boolean };
  backend.crash = false;
  backend.prepare = async (...args) => {
    if (backend.crash) throw new Error('crash: the commit never completes');
    return inner.prepare(...args);
  };
  return backend;
}

describe('postgres sink in the engine', () => {
  it('upserts windowed counts at each commit, with absolute values', async () => {
    const app = streams({ applicationId: 'pg-e2e-counts' });
    app
      .source('events', sourceOptions)
      .withWatermark('2m')
      .groupBy((e) => e.page_url)
      .window(tumbling('1m'))
      .aggregate(count())
      .to(
        postgresSink({
          db: scratch.db(),
          table: 'page_view_counts',
          key: ['page_url', 'window_start'],
          row: (r) => ({ page_url: r.key, window_start: new Date(r.windowStart), window_end: new Date(r.windowEnd), view_count: r.value }),
        }),
      );
    const { engine } = await startEngine(app, memoryBackend());
    engine.process(raw([event(0), event(10_000), event(20_000, { page_url: '/a' })]));
    await engine.committed(await engine.commit());
    expect(summarize(await scratch.rows<CountRow>(COUNTS_QUERY))).toEqual(['/a@0=1', '/home@0=2']);

    engine.process(raw([event(30_000), event(MIN + 1)], 3));
    await engine.committed(await engine.commit());
    await engine.close();
    expect(summarize(await scratch.rows<CountRow>(COUNTS_QUERY))).toEqual(['/a@0=1', '/home@0=3', '/home@1=1']);
  });

  describe.each([
    { exactlyOnce: true, expected: 'each click once', rows: 15 },
    { exactlyOnce: false, expected: 'the replayed clicks twice (at-least-once)', rows: 20 },
  ])('a crash after the flush, before the commit, with exactlyOnce: $exactlyOnce', ({ exactlyOnce, expected, rows }) => {
    it(`leaves ${expected}`, async () => {
      const pipeline = () => {
        const app = streams({ applicationId: 'pg-e2e-clicks' });
        app
          .source('events', sourceOptions)
          .filter((e) => e.event_type === 'click')
          .to(
            postgresSink({
              db: scratch.db(),
              table: 'clicks',
              key: ['user_id', 'event_time'],
              mode: 'insert',
              exactlyOnce,
              row: (e) => ({ user_id: e.user_id, event_time: new Date(e.event_time), page_url: e.page_url }),
            }),
          );
        return app;
      };
      const clicks = Array.from({ length: 15 }, (_, i) => event(i * 1000, { user_id: `u${i}`, event_type: 'click' }));
      const backend = crashingBackend();

      const { engine: first } = await startEngine(pipeline(), backend);
      first.process(raw(clicks.slice(0, 5)));
      await first.commit();
      first.process(raw(clicks.slice(5, 10), 5));
      backend.crash = true;
      await expect(first.commit()).rejects.toThrow('crash'); // clicks 5..9 are in PostgreSQL, offset 10 is not committed
      await first.close();

      backend.crash = false;
      const { engine: second, resumeAt } = await startEngine(pipeline(), backend);
      expect(resumeAt).toBe(5);
      second.process(raw(clicks.slice(5), 5));
      await second.commit();
      await second.close();

      const stored = await scratch.rows<{ user_id: string; n: number }>('select user_id, count(*)::int as n from clicks group by 1');
      expect(stored.reduce((sum, r) => sum + r.n, 0)).toBe(rows);
      expect(new Set(stored.map((r) => r.user_id)).size).toBe(15);
    });
  });
});
