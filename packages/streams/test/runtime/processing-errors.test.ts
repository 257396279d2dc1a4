import { aggregator, count, memorySink, processor, ProcessingFailure, session, streams, tumbling, type DeadLetter, type WindowResult } from '../../src';
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
    const urls = aggregator({
      name: 'urls',
      init: () => [] as string[],
      add: (acc: string[], e: Event) => {
        if (e.user_id === 'bad') throw new TypeError('no url for bad');
        return [...acc, e.page_url];
      },
      result: (acc) => acc.join(','),
    });
    app
      .source('events', { ...sourceOptions, deadLetter: dead, processingErrors: 'dead-letter' })
      .groupBy(() => 'all')
      .window(tumbling('1m'))
      .aggregate(urls, { emit: 'final', name: 'urls' })
      .to(out);
    const driver = await TopologyTestDriver.create(app);
    await driver.pipeAll('events', [event(0, { page_url: '/a' }), event(SEC, { user_id: 'bad', page_url: '/b' }), event(2 * SEC, { page_url: '/c' }), event(2 * MIN)]);
    expect(driver.values(out)).toEqual([{ key: 'all', windowStart: T0, windowEnd: T0 + MIN, value: '/a,/c' }]);
    expect(driver.deadLetters().map((d) => [d.offset, d.reason])).toEqual([[1, "processing failed in windowAggregate 'urls': no url for bad"]]);
  });

  it('leaves the sessions of the key as they were when the record that would merge them fails', async () => {
    const app = streams({ applicationId: 'errors-sessions' });
    const dead = memorySink<DeadLetter>();
    const out = memorySink<WindowResult<string, string>>();
    const urls = aggregator({
      name: 'urls',
      init: () => [] as string[],
      add: (acc: string[], e: Event) => {
        if (e.page_url === '/bad') throw new Error('bad page');
        return [...acc, e.page_url];
      },
      merge: (a: string[], b: string[]) => [...a, ...b],
      result: (acc) => acc.join(','),
    });
    app
      .source('events', { ...sourceOptions, deadLetter: dead, processingErrors: 'dead-letter' })
      .withWatermark('5m')
      .groupByKey()
      .window(session('1m'))
      .aggregate(urls, { emit: 'final', name: 'visits' })
      .to(out);
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
    expect(JSON.parse(letters[1]!.value!.toString())).toMatchObject({ v: bad(SEC) });
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
    const views = aggregator({
      name: 'views',
      init: () => 0,
      add: (n: number) => n + 1,
      result: (n) => {
        if (n > 1) throw new Error('cannot report more than one view');
        return n;
      },
    });
    app
      .source('events', { ...sourceOptions, deadLetter: dead, processingErrors: 'dead-letter' })
      .groupBy((e) => e.page_url, { name: 'by-page' })
      .window(tumbling('1m'))
      .aggregate(views, { emit: 'final', name: 'views' })
      .to(memorySink());
    const driver = await TopologyTestDriver.create(app);
    await driver.pipeAll('events', [event(0), event(SEC)]);
    const failure = await driver.pipe('events', event(2 * MIN)).then(() => undefined, (error: unknown) => error);
    expect(failure).toBeInstanceOf(ProcessingFailure);
    expect((failure as Error).message).toBe("windowAggregate 'views' failed as event time moved: cannot report more than one view");
    expect(driver.deadLetters()).toEqual([]);
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
