import { aggregator, count, countDistinct, Engine, memoryBackend, memorySink, processor, ProcessingFailure, session, silentLogger, streams, systemClock, tumbling, type DeadLetter, type SinkWriter, type WindowResult } from '../../src';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sqliteStores } from '../../src/state/sqlite';
import { TopologyTestDriver } from '../../src/testing';
import { event, MIN, SEC, sourceOptions, T0, type Event } from '../support/events';
import { recordingLogger } from '../support/recording-logger';

// The application's code throws on a record: a poison pill. With 'stop' the app stops, naming
// where; with 'dead-letter' the record goes to the dead letters and the rest goes on. Expected
// outputs are exact: what the failing record did elsewhere stays, what it did not do is not done.

const bad = (offset: number) => event(offset, { user_id: 'bad' });

/** Throws on the user 'bad', as code with a bug for one shape of record would. */
function explodeOnBad(e: Event): Event {
  if (e.user_id === 'bad') throw new Error(`cannot enrich ${e.user_id}`);
  return e;
}

/** The pages seen, in order; the page '/bad' makes `add` throw. */
const pages = aggregator({
  name: 'pages',
  init: () => [] as string[],
  add: (acc: string[], e: Event) => {
    if (e.page_url === '/bad') throw new Error('bad page');
    return [...acc, e.page_url];
  },
  merge: (a: string[], b: string[]) => [...a, ...b],
  result: (acc) => acc.join(','),
});

/** A count whose `result` throws past one: code that fails with no record behind it. */
const atMostOneView = aggregator({
  name: 'views',
  init: () => 0,
  add: (n: number) => n + 1,
  result: (n) => {
    if (n > 1) throw new Error('cannot report more than one view');
    return n;
  },
});

/** Each user's sessions (gap 1m, watermark 5m), as the pages they saw. */
function sessionsOfPages(applicationId: string, emit: 'final' | 'update') {
  const app = streams({ applicationId });
  const out = memorySink<WindowResult<string, string>>();
  app
    .source('events', { ...sourceOptions, deadLetter: memorySink<DeadLetter>(), processingErrors: 'dead-letter' })
    .withWatermark('5m')
    .groupByKey()
    .window(session('1m'))
    .aggregate(pages, { emit, name: 'visits' })
    .to(out);
  return { app, out };
}

function letterOf(d: DeadLetter) {
  return { reason: d.reason, topic: d.topic, partition: d.partition, offset: d.offset, key: d.key?.toString() ?? null, value: d.value === null ? null : JSON.parse(d.value.toString()) };
}

describe("the application's code throws on a record", () => {
  it("stops the app by default, naming the operator and the record, and a restart meets the record again", async () => {
    const app = streams({ applicationId: 'errors-stop' });
    const sink = memorySink<Event>();
    app.source('events', sourceOptions).map(explodeOnBad, { name: 'enrich' }).to(sink);
    const driver = await TopologyTestDriver.create(app);
    await driver.pipe('events', event(0));
    const failure = await driver.pipe('events', bad(SEC)).then(() => undefined, (error: unknown) => error);
    expect(failure).toBeInstanceOf(ProcessingFailure);
    expect((failure as ProcessingFailure).message).toBe(
      "the application's code failed in map 'enrich' on the record at events partition 0 offset 1: cannot enrich bad (processingErrors 'dead-letter' on source 'events' would set such records aside)",
    );
    expect((failure as ProcessingFailure).node).toBe('enrich');
    expect(((failure as ProcessingFailure).cause as Error).message).toBe('cannot enrich bad');
    expect(driver.values(sink)).toEqual([event(0)]);
    // The engine goes no further: a record after it, or a commit, would commit past the failure.
    await expect(driver.pipe('events', event(2 * SEC))).rejects.toThrow('engine: processing failed at an earlier record');
    await expect(driver.commit()).rejects.toThrow('engine: processing failed at an earlier record');
    expect(driver.values(sink)).toEqual([event(0)]);
    await expect(driver.restart()).rejects.toThrow(ProcessingFailure);
  });

  it("with 'dead-letter', sends the record as read to the dead letters with the reason, and goes on", async () => {
    const app = streams({ applicationId: 'errors-dlq' });
    const sink = memorySink<Event>();
    const dead = memorySink<DeadLetter>();
    app.source('events', { ...sourceOptions, deadLetter: dead, processingErrors: 'dead-letter' }).map(explodeOnBad, { name: 'enrich' }).to(sink);
    const driver = await TopologyTestDriver.create(app);
    await driver.pipeAll('events', [event(0), bad(SEC), event(2 * SEC)]);
    expect(driver.values(sink)).toEqual([event(0), event(2 * SEC)]);
    expect(driver.deadLetters().map(letterOf)).toEqual([
      { reason: "processing failed in map 'enrich': cannot enrich bad", topic: 'events', partition: 0, offset: 1, key: 'bad', value: bad(SEC) },
    ]);
    expect(driver.metrics()).toMatchObject({ deadLettered: 1, processingFailures: { enrich: 1 } });
    await driver.restart(); // committed: nothing is read again, nothing is dead-lettered twice
    expect(driver.values(sink)).toEqual([event(0), event(2 * SEC)]);
    expect(driver.deadLetters()).toHaveLength(1);
    expect(app.describe()).toContain("records the code throws on → dead letters");
  });

  it('keeps what the record did in the other branches, declared before or after the failing one', async () => {
    const app = streams({ applicationId: 'errors-branches' });
    const dead = memorySink<DeadLetter>();
    const before = memorySink<WindowResult<string, number>>();
    const failing = memorySink<Event>();
    const after = memorySink<Event>();
    const events = app.source('events', { ...sourceOptions, deadLetter: dead, processingErrors: 'dead-letter' });
    events.groupBy((e) => e.page_url).window(tumbling('1m')).aggregate(count(), { emit: 'final', name: 'views' }).to(before);
    events.map(explodeOnBad, { name: 'enrich' }).to(failing);
    events.filter((e) => e.event_type === 'page_view').to(after);
    const driver = await TopologyTestDriver.create(app);
    await driver.pipeAll('events', [event(0), bad(SEC), event(2 * MIN)]);
    expect(driver.values(before)).toEqual([{ key: '/home', windowStart: T0, windowEnd: T0 + MIN, value: 2 }]);
    expect(driver.values(failing)).toEqual([event(0), event(2 * MIN)]);
    expect(driver.values(after)).toEqual([event(0), bad(SEC), event(2 * MIN)]);
    expect(driver.deadLetters().map((d) => [d.offset, d.reason])).toEqual([[1, "processing failed in map 'enrich': cannot enrich bad"]]);
  });

  it('leaves a window without the record when its aggregator throws on it', async () => {
    const app = streams({ applicationId: 'errors-aggregator' });
    const dead = memorySink<DeadLetter>();
    const out = memorySink<WindowResult<string, string>>();
    app
      .source('events', { ...sourceOptions, deadLetter: dead, processingErrors: 'dead-letter' })
      .groupBy(() => 'all')
      .window(tumbling('1m'))
      .aggregate(pages, { emit: 'final', name: 'urls' })
      .to(out);
    const driver = await TopologyTestDriver.create(app);
    await driver.pipeAll('events', [event(0, { page_url: '/a' }), event(SEC, { page_url: '/bad' }), event(2 * SEC, { page_url: '/c' }), event(2 * MIN)]);
    expect(driver.values(out)).toEqual([{ key: 'all', windowStart: T0, windowEnd: T0 + MIN, value: '/a,/c' }]);
    expect(driver.deadLetters().map((d) => [d.offset, d.reason])).toEqual([[1, "processing failed in windowAggregate 'urls': bad page"]]);
  });

  it('leaves the sessions of the key as they were when the record that would merge them fails', async () => {
    const { app, out } = sessionsOfPages('errors-sessions', 'final');
    const driver = await TopologyTestDriver.create(app);
    // Sessions at 0s and 100s; the record at 50s is within the gap of both, and fails.
    await driver.pipeAll('events', [event(0, { page_url: '/a' }), event(100 * SEC, { page_url: '/b' }), event(50 * SEC, { page_url: '/bad' }), event(10 * MIN, { page_url: '/z' })]);
    expect(driver.values(out)).toEqual([
      { key: 'u1', windowStart: T0, windowEnd: T0, value: '/a' },
      { key: 'u1', windowStart: T0 + 100 * SEC, windowEnd: T0 + 100 * SEC, value: '/b' },
    ]);
    expect(driver.deadLetters().map((d) => [d.offset, d.reason])).toEqual([[2, "processing failed in sessionAggregate 'visits': bad page"]]);
  });

  it("dead-letters a keyed processor's failing record and its failing timer, and its other timers still fire", async () => {
    const app = streams({ applicationId: 'errors-processor' });
    const dead = memorySink<DeadLetter>();
    const out = memorySink<string>();
    const alarms = processor<Event, string, number>({
      name: 'alarms',
      process(e, ctx) {
        ctx.state.set((ctx.state.get() ?? 0) + 1);
        if (e.event_type === 'click') throw new Error('clicks are not handled');
        ctx.timers.setEventTime(e.page_url, ctx.timestamp + MIN);
      },
      onTimer(timer, ctx) {
        if (timer.name === '/broken') throw new Error('broken alarm');
        ctx.emit(`${timer.name} after ${ctx.state.get()} records`);
      },
    });
    app.source('events', { ...sourceOptions, deadLetter: dead, processingErrors: 'dead-letter' }).groupByKey().process(alarms, { name: 'alarms' }).to(out);
    const driver = await TopologyTestDriver.create(app);
    await driver.pipeAll('events', [
      event(0, { page_url: '/broken' }),
      event(SEC, { page_url: '/fine' }),
      event(2 * SEC, { event_type: 'click' }),
      event(5 * MIN),
    ]);
    expect(driver.values(out)).toEqual(['/fine after 3 records']);
    expect(driver.deadLetters().map(letterOf)).toEqual([
      { reason: "processing failed in process 'alarms': clicks are not handled", topic: 'events', partition: 0, offset: 2, key: 'u1', value: event(2 * SEC, { event_type: 'click' }) },
      { reason: "processing failed in process 'alarms': broken alarm", topic: 'events', partition: 0, offset: -1, key: '"u1"', value: { timer: { name: '/broken', time: T0 + MIN, type: 'event-time' } } },
    ]);
  });

  it("dead-letters a window's result as itself, key and value as JSON, when the code below it throws on it", async () => {
    const app = streams({ applicationId: 'errors-derived' });
    const dead = memorySink<DeadLetter>();
    const out = memorySink<string>();
    app
      .source('events', { ...sourceOptions, deadLetter: dead, processingErrors: 'dead-letter' })
      .groupBy((e) => e.page_url)
      .window(tumbling('1m'))
      .aggregate(count(), { emit: 'final', name: 'views' })
      .map((r) => {
        if (r.value > 1) throw new RangeError(`too many views of ${r.key}`);
        return `${r.key}: ${r.value}`;
      }, { name: 'label' })
      .to(out);
    const driver = await TopologyTestDriver.create(app);
    await driver.pipeAll('events', [event(0, { page_url: '/a' }), event(SEC, { page_url: '/b' }), event(2 * SEC, { page_url: '/b' }), event(2 * MIN)]);
    expect(driver.values(out)).toEqual(['/a: 1']);
    expect(driver.deadLetters().map(letterOf)).toEqual([
      { reason: "processing failed in map 'label': too many views of /b", topic: 'events', partition: 0, offset: -1, key: '"/b"', value: { key: '/b', windowStart: T0, windowEnd: T0 + MIN, value: 2 } },
    ]);
  });

  it("dead-letters a record whose groupBy key is not a key, and the record as read from a repartition topic after a re-key", async () => {
    const app = streams({ applicationId: 'errors-topics' });
    const dead = memorySink<DeadLetter>();
    const out = memorySink<string>();
    app
      .source('events', { ...sourceOptions, deadLetter: dead, processingErrors: 'dead-letter' })
      .groupBy((e) => (e.page_url === '/nan' ? Number.NaN : e.page_url), { name: 'by-url' })
      .process(
        processor<Event, string, never, string | number>({
          name: 'echo',
          process(e, ctx) {
            if (e.user_id === 'bad') throw new Error('bad user');
            ctx.emit(`${String(ctx.key)} ${e.user_id}`);
          },
        }),
        { name: 'echo' },
      )
      .to(out);
    const driver = await TopologyTestDriver.create(app, { repartition: 'topics' });
    await driver.pipeAll('events', [event(0, { page_url: '/nan' }), bad(SEC), event(2 * SEC)]);
    expect(driver.values(out)).toEqual(['/home u1']);
    const letters = driver.deadLetters();
    expect(letters.map((d) => [d.topic, d.offset, d.reason])).toEqual([
      ['events', 0, "processing failed in groupBy 'by-url': by-url: the key function gave NaN for a record; NaN is not a finite number: keys are saved and sent as JSON, which writes NaN and ±Infinity as null"],
      // Offset 1: the first commit sent the watermark through the topic first.
      ['errors-topics-by-url-repartition', 1, "processing failed in process 'echo': bad user"],
    ]);
    // The envelope: the value as the groupBy got it, and where the source record is (topic, partition, offset).
    const envelope = JSON.parse(letters[1]!.value!.toString()) as { v: unknown; o: unknown[] };
    expect(envelope.v).toEqual(bad(SEC));
    expect(envelope.o.slice(0, 3)).toEqual(['events', 0, 1]);
  });

  it('dead-letters a record once when a crash replays it before the commit', async () => {
    const app = streams({ applicationId: 'errors-replay' });
    const sink = memorySink<Event>();
    const dead = memorySink<DeadLetter>();
    app.source('events', { ...sourceOptions, deadLetter: dead, processingErrors: 'dead-letter' }).map(explodeOnBad, { name: 'enrich' }).to(sink);
    const driver = await TopologyTestDriver.create(app, { commit: 'manual' });
    await driver.pipeAll('events', [event(0), bad(SEC)]);
    await driver.restart(); // nothing committed: both are read again
    await driver.pipe('events', event(2 * SEC));
    await driver.commit();
    expect(driver.values(sink)).toEqual([event(0), event(2 * SEC)]);
    expect(driver.deadLetters().map((d) => d.offset)).toEqual([1]);
  });

  it('in update mode, retracts neither session a failing record would have merged, and the rows stay', async () => {
    const { app, out } = sessionsOfPages('errors-session-update', 'update');
    const driver = await TopologyTestDriver.create(app);
    await driver.pipeAll('events', [event(0, { page_url: '/a' }), event(100 * SEC, { page_url: '/b' }), event(50 * SEC, { page_url: '/bad' })]);
    expect(driver.output(out).map((r) => [r.retract === true ? 'retract' : 'upsert', r.value.value])).toEqual([
      ['upsert', '/a'],
      ['upsert', '/b'],
    ]);
  });

  it("stops, naming the operator, when an update-mode result throws at a commit", async () => {
    const app = streams({ applicationId: 'errors-commit' });
    app.source('events', { ...sourceOptions, deadLetter: memorySink(), processingErrors: 'dead-letter' }).groupByKey().window(tumbling('1m')).aggregate(atMostOneView, { name: 'views' }).to(memorySink());
    const driver = await TopologyTestDriver.create(app, { commit: 'manual' });
    await driver.pipeAll('events', [event(0), event(SEC)]);
    await expect(driver.commit()).rejects.toThrow("windowAggregate 'views' failed emitting its results at a commit: cannot report more than one view");
  });

  it("keeps the watermark a processor's failing record carried from leaking into its timers", async () => {
    const app = streams({ applicationId: 'errors-carried' });
    const dead = memorySink<DeadLetter>();
    const out = memorySink<string>();
    // Counts per minute come down to a processor: each result carries the watermark it was made
    // at. The record at 10m closes the second minute, whose result the processor throws on, and
    // in the same advance its timer fires and reads ctx.watermark: 10m, not the result's.
    const watcher = processor<WindowResult<string, number>, string, never>({
      name: 'watcher',
      process(r, ctx) {
        if (r.windowStart === T0 + MIN) throw new Error('cannot watch the second minute');
        ctx.timers.setEventTime('tick', r.windowEnd + 5 * MIN);
      },
      onTimer(timer, ctx) {
        ctx.emit(`tick at ${(timer.time - T0) / MIN}m, watermark ${(ctx.watermark - T0) / MIN}m`);
      },
    });
    app
      .source('events', { ...sourceOptions, deadLetter: dead, processingErrors: 'dead-letter' })
      .groupBy(() => 'all')
      .window(tumbling('1m'))
      .aggregate(count(), { emit: 'final', name: 'per-minute' })
      .groupByKey()
      .process(watcher, { name: 'watcher' })
      .to(out);
    const driver = await TopologyTestDriver.create(app);
    await driver.pipeAll('events', [event(0), event(MIN), event(10 * MIN)]);
    expect(driver.values(out)).toEqual(['tick at 6m, watermark 10m']);
    expect(driver.deadLetters().map((d) => d.reason)).toEqual(["processing failed in process 'watcher': cannot watch the second minute"]);
  });

  it("stops on SQLite's own error and lets a system error from a timer through unchanged", async () => {
    const sqliteError = Object.assign(new Error('database or disk is full'), { name: 'SqliteError', code: 'SQLITE_FULL' });
    const app = streams({ applicationId: 'errors-sqlite' });
    app
      .source('events', { ...sourceOptions, deadLetter: memorySink(), processingErrors: 'dead-letter' })
      .map((e) => {
        if (e.user_id === 'bad') throw sqliteError;
        return e;
      })
      .to(memorySink());
    const driver = await TopologyTestDriver.create(app);
    await expect(driver.pipe('events', bad(0))).rejects.toBe(sqliteError);
    expect(driver.deadLetters()).toEqual([]);

    const diskFull = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', syscall: 'write' });
    const timed = streams({ applicationId: 'errors-system-timer' });
    timed
      .source('events', { ...sourceOptions, deadLetter: memorySink(), processingErrors: 'dead-letter' })
      .groupByKey()
      .process(
        processor<Event, string, never>({
          name: 'poke',
          process(_e, ctx) {
            ctx.timers.setProcessingTime('poke', ctx.wallClockTime + SEC);
          },
          onTimer() {
            throw diskFull;
          },
        }),
      )
      .to(memorySink());
    const timedDriver = await TopologyTestDriver.create(timed);
    await timedDriver.pipe('events', event(0));
    await expect(timedDriver.advanceWallClock('2s')).rejects.toBe(diskFull);
    expect(timedDriver.deadLetters()).toEqual([]);
  });

  it('logs the failures of an operator once every 10 s at most, with how many went unlogged', async () => {
    const app = streams({ applicationId: 'errors-log' });
    const dead = memorySink<DeadLetter>();
    app.source('events', { ...sourceOptions, deadLetter: dead, processingErrors: 'dead-letter' }).map(explodeOnBad, { name: 'enrich' }).to(memorySink());
    const { logger, lines } = recordingLogger();
    const driver = await TopologyTestDriver.create(app, { logger, wallClockStart: T0 });
    await driver.pipeAll('events', [bad(0), bad(SEC), bad(2 * SEC)]);
    await driver.advanceWallClock('10s');
    await driver.pipe('events', bad(3 * SEC));
    const warnings = lines.filter((l) => l.level === 'warn').map((l) => [l.message, l.fields]);
    expect(warnings).toEqual([
      ["the application's code failed on a record: dead-lettered, processing goes on", { node: 'enrich', record: 'the record at events partition 0 offset 0', error: 'cannot enrich bad' }],
      ["the application's code failed on a record: dead-lettered, processing goes on", { node: 'enrich', record: 'the record at events partition 0 offset 3', error: 'cannot enrich bad', moreSinceLastLine: 2 }],
    ]);
    expect(driver.deadLetters()).toHaveLength(4);
    expect(driver.metrics().processingFailures).toEqual({ enrich: 4 });
  });

  it("stops, naming the operator, when an aggregator's result throws as a window closes, rather than blame the record that moved the watermark", async () => {
    const app = streams({ applicationId: 'errors-result' });
    const dead = memorySink<DeadLetter>();
    app
      .source('events', { ...sourceOptions, deadLetter: dead, processingErrors: 'dead-letter' })
      .groupBy((e) => e.page_url, { name: 'by-page' })
      .window(tumbling('1m'))
      .aggregate(atMostOneView, { emit: 'final', name: 'views' })
      .to(memorySink());
    const driver = await TopologyTestDriver.create(app);
    await driver.pipeAll('events', [event(0), event(SEC)]);
    const failure = await driver.pipe('events', event(2 * MIN)).then(() => undefined, (error: unknown) => error);
    expect(failure).toBeInstanceOf(ProcessingFailure);
    expect((failure as Error).message).toBe("windowAggregate 'views' failed as event time moved: cannot report more than one view");
    expect(driver.deadLetters()).toEqual([]);
  });

  it('dead-letters a record read once, once, however many of the records made from it fail', async () => {
    const app = streams({ applicationId: 'errors-flatmap' });
    const dead = memorySink<DeadLetter>();
    const out = memorySink<string>();
    const words = app.source('events', { ...sourceOptions, deadLetter: dead, processingErrors: 'dead-letter' }).flatMap((e) => [`${e.user_id}-1`, `${e.user_id}-bad`, `${e.user_id}-3`, `${e.user_id}-bad2`]);
    words
      .map((w) => {
        if (w.includes('bad')) throw new Error(`cannot parse ${w}`);
        return w;
      }, { name: 'parse' })
      .to(out);
    words.filter(() => true).map((w): string => {
      throw new Error(`second branch on ${w}`);
    }, { name: 'second' }).to(memorySink());
    const driver = await TopologyTestDriver.create(app);
    await driver.pipeAll('events', [event(0), event(SEC, { user_id: 'u2' })]);
    // The records made from it that did not fail go on.
    expect(driver.values(out)).toEqual(['u1-1', 'u1-3', 'u2-1', 'u2-3']);
    // Each word goes to both branches in turn: the first failure is the second branch's, on the first word.
    expect(driver.deadLetters().map((d) => [d.offset, d.reason])).toEqual([
      [0, "processing failed in map 'second': second branch on u1-1"],
      [1, "processing failed in map 'second': second branch on u2-1"],
    ]);
    expect(driver.metrics()).toMatchObject({ deadLettered: 2, processingFailures: { parse: 4, second: 8 } });
  });

  it('names the timer when a processor fails in onTimer and the app stops', async () => {
    const app = streams({ applicationId: 'errors-timer-stop' });
    const alarms = processor<Event, string, never>({
      name: 'alarms',
      process(_e, ctx) {
        ctx.timers.setEventTime('ring', ctx.timestamp + MIN);
      },
      onTimer() {
        throw new Error('the bell is broken');
      },
    });
    app.source('events', sourceOptions).groupByKey().process(alarms, { name: 'alarms' }).to(memorySink());
    const driver = await TopologyTestDriver.create(app);
    await driver.pipe('events', event(0));
    await expect(driver.pipe('events', event(2 * MIN))).rejects.toThrow(
      `the application's code failed in process 'alarms' on its event-time timer 'ring' at ${new Date(T0 + MIN).toISOString()} of key "u1": the bell is broken`,
    );
  });

  it('leaves a session that a failing record would have merged as it was, with an aggregator that merges in place (countDistinct)', async () => {
    const app = streams({ applicationId: 'errors-session-in-place' });
    const dead = memorySink<DeadLetter>();
    const out = memorySink<WindowResult<string, number>>();
    app
      .source('events', { ...sourceOptions, deadLetter: dead, processingErrors: 'dead-letter' })
      .withWatermark('5m')
      .groupByKey()
      .window(session('1m'))
      .aggregate(
        countDistinct((e: Event) => {
          if (e.page_url === '/bad') throw new Error('bad page');
          return e.page_url;
        }),
        { emit: 'final', name: 'pages' },
      )
      .to(out);
    const driver = await TopologyTestDriver.create(app);
    await driver.pipeAll('events', [event(0, { page_url: '/a' }), event(100 * SEC, { page_url: '/b' }), event(50 * SEC, { page_url: '/bad' }), event(5 * SEC, { page_url: '/c' }), event(20 * MIN)]);
    expect(driver.values(out).map((r) => [r.windowStart - T0, r.value])).toEqual([
      [0, 2],
      [100 * SEC, 1],
    ]);
  });

  it('stops when the repartition topic cannot take a record (the producer failed), rather than dead-letter every record after it', async () => {
    const app = streams({ applicationId: 'errors-transport' });
    const dead = memorySink<DeadLetter>();
    app.source('events', { ...sourceOptions, deadLetter: dead, processingErrors: 'dead-letter' }).groupBy((e) => e.page_url, { name: 'by-url' }).process(processor<Event, string, never>({ name: 'p', process() {} })).to(memorySink());
    const engine = new Engine({
      topology: app.topology(),
      backend: memoryBackend(),
      clock: systemClock,
      logger: silentLogger,
      idleTimeoutMs: 30_000,
      openSink: async () => ({ write: async () => {}, flush: async () => {}, close: async () => {} }) as unknown as SinkWriter<unknown>,
      repartition: {
        send: () => {
          throw new Error('kafka producer: Local: Fatal error');
        },
        flush: async () => {},
      },
    });
    await engine.start({ partitions: [{ topic: 'events', partition: 0 }], partitionCounts: new Map([['events', 1], ['errors-transport-by-url-repartition', 1]]) });
    await engine.resumeFrom([{ topic: 'events', partition: 0, offset: 0 }]);
    const raw = { topic: 'events', partition: 0, offset: 0, key: Buffer.from('u1'), value: Buffer.from(JSON.stringify(event(0))) };
    expect(() => engine.process([raw])).toThrow('kafka producer: Local: Fatal error');
    expect(engine.metrics().deadLettered).toBe(0);
  });

  it("stops when a spilling store cannot save another key's value as it leaves the cache, rather than blame the record at hand", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'errors-spill-'));
    try {
      const app = streams({ applicationId: 'errors-spill' });
      const dead = memorySink<DeadLetter>();
      const counter = processor<Event, string, number>({
        name: 'counter',
        stateCodec: {
          encode: (n) => {
            if (n > 1) throw new Error('cannot encode counts over 1');
            return n;
          },
          decode: (json) => json as number,
        },
        process(_e, ctx) {
          ctx.state.set((ctx.state.get() ?? 0) + 1);
        },
      });
      app
        .source('events', { ...sourceOptions, deadLetter: dead, processingErrors: 'dead-letter' })
        .groupByKey()
        .process(counter, { name: 'counter', store: sqliteStores({ dir, cacheEntries: 1 }) })
        .to(memorySink());
      const driver = await TopologyTestDriver.create(app, { commit: 'manual' });
      await driver.pipeAll('events', [event(0, { user_id: 'a' }), event(SEC, { user_id: 'a' })]);
      // b's read evicts a, whose count (2) its codec refuses: a's failure, not b's.
      await expect(driver.pipe('events', event(2 * SEC, { user_id: 'b' }))).rejects.toThrow(
        'state store counter-store: cannot save the value of key "a" as it leaves the cache: cannot encode counts over 1',
      );
      expect(driver.deadLetters()).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('stops on an error of the machine even with dead-letter', async () => {
    const app = streams({ applicationId: 'errors-system' });
    const dead = memorySink<DeadLetter>();
    app
      .source('events', { ...sourceOptions, deadLetter: dead, processingErrors: 'dead-letter' })
      .map((e) => {
        if (e.user_id === 'bad') throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', syscall: 'write' });
        return e;
      })
      .to(memorySink());
    const driver = await TopologyTestDriver.create(app);
    await expect(driver.pipe('events', bad(0))).rejects.toThrow('ENOSPC: no space left on device, write');
    expect(driver.deadLetters()).toEqual([]);
  });

  it('refuses dead-letter without a dead-letter sink, and a value it does not know, naming the setting', () => {
    const app = streams({ applicationId: 'errors-config' });
    expect(() => app.source('events', { ...sourceOptions, processingErrors: 'dead-letter' })).toThrow(
      "source 'events': processingErrors 'dead-letter' needs a deadLetter sink to send the records to",
    );
    expect(() => app.source('events', { ...sourceOptions, processingErrors: 'skip' as never })).toThrow("source 'events': processingErrors must be 'stop' or 'dead-letter', got skip");
  });
});
