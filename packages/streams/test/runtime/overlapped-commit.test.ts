import {
  count,
  memoryBackend,
  streams,
  tumbling,
  type CommitInfo,
  type RawRecord,
  type Sink,
  type SinkRecord,
  type SinkWriter,
  type StateBackend,
  type StreamsApp,
  type WindowResult,
} from '../../src';
import { startEngine } from '../support/engine';
import { event, MIN, sourceOptions, T0, type Event } from '../support/events';

// The Kafka runtime (at-least-once) processes the next records while a commit completes:
// `Engine.startCommit` takes the commit's snapshot, `completion` writes it. These tests pin down
// what a commit holds when records arrive during its completion.

const raw = (events: readonly Event[], from = 0): RawRecord[] =>
  events.map((e, i) => ({ topic: 'events', partition: 0, offset: from + i, key: null, value: Buffer.from(JSON.stringify(e)) }));

/** A sink whose flushes wait for `release()`, recording what each flush was given, by commit. */
function gatedSink<T>(): Sink<T> & { flushes: Array<{ commit: number; values: T[] }>; release(): void; fail: Error | undefined } {
  let open: (() => void) | undefined;
  let gate = Promise.resolve();
  const sink = {
    kind: 'memory',
    target: 'gated',
    flushes: [] as Array<{ commit: number; values: T[] }>,
    fail: undefined as Error | undefined,
    hold() {
      gate = new Promise<void>((resolve) => (open = resolve));
    },
    release() {
      open?.();
    },
    async open(): Promise<SinkWriter<T>> {
      let pending: SinkRecord<T>[] = [];
      return {
        write: (batch) => {
          pending.push(...batch);
        },
        flush: async (commit: CommitInfo) => {
          const taken = pending;
          pending = [];
          sink.flushes.push({ commit: commit.id, values: taken.map((r) => r.value) });
          await gate;
          if (sink.fail) throw sink.fail;
        },
        close: async () => {},
      };
    },
  };
  sink.hold();
  return sink;
}

/** A gated sink that never holds a flush. */
function releasedSink<T>(): Sink<T> {
  const sink = gatedSink<T>();
  sink.release();
  return sink;
}

/** A memory backend whose prepare resolves only at `release()`; it may read `allEntries` first, as a compacting backend does. */
function heldBackend(options: { streamsLiveStores: boolean }): { backend: StateBackend; release(): void } {
  const inner = memoryBackend();
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const backend: StateBackend = Object.create(inner);
  backend.prepare = (app, id, tasks) => {
    if (options.streamsLiveStores) for (const changes of tasks.values()) changes.allEntries?.();
    const prepared = inner.prepare(app, id, tasks);
    return gate.then(() => prepared);
  };
  return { backend, release };
}

function pipeline(events: Sink<Event>, counts: Sink<WindowResult<string, number>>): StreamsApp {
  const app = streams({ applicationId: 'overlapped-commit' });
  const source = app.source('events', sourceOptions).withWatermark('2m');
  source.to(events, { name: 'events-sink' });
  source
    .groupBy((e) => e.page_url)
    .window(tumbling('1m'))
    .aggregate(count())
    .to(counts, { name: 'counts-sink' });
  return app;
}

/** Window counts as `page@minute=count`, sorted. */
const countsOf = (values: Array<WindowResult<string, number>>) => values.map((r) => `${r.key}@${(r.windowStart - T0) / MIN}=${r.value}`).sort();

describe('a commit the engine processes on during (startCommit)', () => {
  const first = [event(0), event(10_000, { page_url: '/a' }), event(20_000)];
  const during = [event(30_000), event(MIN + 5_000)];

  it('holds exactly the records before it; records processed while it completes go to the next commit', async () => {
    const events = gatedSink<Event>();
    const counts = gatedSink<WindowResult<string, number>>();
    const backend = memoryBackend();
    const { engine } = await startEngine(pipeline(events, counts), backend);

    engine.process(raw(first));
    const { info, completion } = await engine.startCommit();
    expect(info).toEqual({ id: 1, offsets: [{ topic: 'events', partition: 0, offset: 3 }] });
    engine.process(raw(during, 3)); // the sinks are still writing commit 1
    await expect(engine.startCommit()).rejects.toThrow(/still in flight/);
    expect(await backend.lastCommitId('overlapped-commit')).toBe(0);

    events.release();
    counts.release();
    expect(await completion).toBe(info);
    expect(await backend.lastCommitId('overlapped-commit')).toBe(1);
    expect(events.flushes).toEqual([{ commit: 1, values: first }]);
    expect(countsOf(counts.flushes[0]!.values)).toEqual(['/a@0=1', '/home@0=2']);

    await engine.commit();
    expect(events.flushes[1]).toEqual({ commit: 2, values: during });
    expect(countsOf(counts.flushes[1]!.values)).toEqual(['/home@0=3', '/home@1=1']);
    await engine.close();
  });

  it('after a crash once it completed, restores a state that knows nothing of the records processed during it', async () => {
    const backend = memoryBackend();
    const events = gatedSink<Event>();
    const counts = gatedSink<WindowResult<string, number>>();
    const crashed = (await startEngine(pipeline(events, counts), backend)).engine;
    crashed.process(raw(first));
    const { completion } = await crashed.startCommit();
    crashed.process(raw(during, 3));
    events.release();
    counts.release();
    await completion;
    await crashed.close(); // the crash: records 3 and 4 were processed, never committed

    const again = { events: gatedSink<Event>(), counts: gatedSink<WindowResult<string, number>>() };
    again.events.release();
    again.counts.release();
    const { engine, resumeAt } = await startEngine(pipeline(again.events, again.counts), backend);
    expect(resumeAt).toBe(3);
    engine.process(raw(during, 3));
    await engine.commit();
    expect(again.events.flushes).toEqual([{ commit: 2, values: during }]);
    expect(countsOf(again.counts.flushes[0]!.values)).toEqual(['/home@0=3', '/home@1=1']);
    await engine.close();
  });

  it('goes on while the state backend prepares; the commit completes only once it has', async () => {
    const held = heldBackend({ streamsLiveStores: false });
    const events = releasedSink<Event>();
    const { engine } = await startEngine(pipeline(events, releasedSink()), held.backend);
    engine.process(raw(first));
    const { completion } = await engine.startCommit(); // resolves while prepare is held
    let completed = false;
    void completion.then(() => (completed = true));
    engine.process(raw(during, 3));
    await new Promise((r) => setTimeout(r, 30));
    expect(completed).toBe(false);
    expect(await held.backend.lastCommitId('overlapped-commit')).toBe(0);
    held.release();
    await completion;
    expect(await held.backend.lastCommitId('overlapped-commit')).toBe(1);
    await engine.close();
  });

  it('waits while the state backend streams a snapshot from the live stores', async () => {
    const held = heldBackend({ streamsLiveStores: true });
    const { engine } = await startEngine(pipeline(releasedSink(), releasedSink()), held.backend);
    engine.process(raw(first));
    let started = false;
    const starting = engine.startCommit().then((commit) => ((started = true), commit));
    await new Promise((r) => setTimeout(r, 30));
    expect(started).toBe(false);
    held.release();
    await (await starting).completion;
    await engine.close();
  });

  it('commits no more after a commit failed: its snapshot had taken the changes', async () => {
    const events = gatedSink<Event>();
    const counts = gatedSink<WindowResult<string, number>>();
    const { engine } = await startEngine(pipeline(events, counts), memoryBackend());
    engine.process(raw(first));
    events.fail = new Error('disk full');
    const { completion } = await engine.startCommit();
    events.release();
    counts.release();
    await expect(completion).rejects.toThrow('disk full');
    engine.process(raw(during, 3));
    await expect(engine.commit()).rejects.toThrow(/an earlier commit failed; close this engine and start a new one/);
    await engine.close();
  });
});
