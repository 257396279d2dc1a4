import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { silentLogger, sinkThread, type Logger, type SinkFactory, type SinkRecord, type SinkThread, type SinkWriter } from '../../src';
import type { JournalArgs, journalSink } from './fixtures/journal-sink';

const MODULE = require.resolve('./fixtures/journal-sink');

let dir: string;
let journal: string;
const open: SinkWriter<unknown>[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sink-thread-'));
  journal = join(dir, 'journal.jsonl');
});

afterEach(async () => {
  await Promise.all(open.splice(0).map((w) => w.close().catch(() => undefined)));
  rmSync(dir, { recursive: true, force: true });
});

async function openJournal(args: Partial<JournalArgs> = {}, logger: Logger = silentLogger, thread: SinkThread = sinkThread()): Promise<SinkWriter<unknown>> {
  const sink = thread.sink<typeof journalSink>({ module: MODULE, factory: 'journalSink', args: { journal, ...args } });
  const writer = await sink.open({ applicationId: 'app', nodeName: 'journal-node', logger });
  open.push(writer);
  return writer;
}

function entries(file = journal): Array<Record<string, unknown>> {
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

const origin = (offset: number) => ({ topic: 'in', partition: 1, offset, watermark: 1_000 + offset });
const record = (value: unknown, offset: number): SinkRecord<unknown> => ({ value, timestamp: 10_000 + offset, key: `k${offset}`, origin: origin(offset) });
const commit = (id: number) => ({ id, offsets: [{ topic: 'in', partition: 1, offset: id * 10 }] });

describe('sinkThread', () => {
  it('makes the sink in another thread from its module and serves every call, in order', async () => {
    const writer = await openJournal();
    await writer.recover!([{ topic: 'in', partition: 1, offset: 0 }]);
    writer.write([record({ n: 1 }, 0), record({ n: 2 }, 1)]);
    writer.write([{ value: { n: 3 }, timestamp: 5, key: null }]);
    expect(writer.buffered).toBe(3);
    await writer.flush(commit(1));
    expect(writer.buffered).toBe(0);
    await writer.committed!(commit(1));
    await writer.close();
    open.length = 0;

    const [opened, ...calls] = entries();
    expect(opened).toEqual({ call: 'open', threadId: expect.any(Number), applicationId: 'app', nodeName: 'journal-node' });
    expect(opened!.threadId).not.toBe(threadId);
    expect(calls).toEqual([
      { call: 'recover', positions: [{ topic: 'in', partition: 1, offset: 0 }] },
      {
        call: 'flush',
        id: 1,
        records: [
          { value: { n: 1 }, timestamp: 10_000, key: 'k0', origin: origin(0) },
          { value: { n: 2 }, timestamp: 10_001, key: 'k1', origin: origin(1) },
          { value: { n: 3 }, timestamp: 5, key: null },
        ],
      },
      { call: 'committed', id: 1, offsets: [{ topic: 'in', partition: 1, offset: 10 }] },
      { call: 'close' },
    ]);
  });

  it('offers committed and recover only when the writer in the thread has them, as in process', async () => {
    const full = await openJournal();
    expect([typeof full.committed, typeof full.recover]).toEqual(['function', 'function']);
    const plain = await openJournal({ plain: true });
    expect([plain.committed, plain.recover]).toEqual([undefined, undefined]);
    await plain.flush(commit(1));
    expect(entries().map((e) => e.call)).toEqual(['open', 'open', 'flush']);
  });

  it('gives a flush what was written before it, and what is written while it runs to the next one', async () => {
    const writer = await openJournal({ flushDelayMs: 200 });
    writer.write([record('a', 0)]);
    const first = writer.flush(commit(1));
    writer.write([record('b', 1)]);
    // As in process: what a flush took no longer counts as buffered once it started.
    expect(writer.buffered).toBe(1);
    await first;
    expect(writer.buffered).toBe(1);
    await writer.flush(commit(2));
    const flushes = entries().filter((e) => e.call === 'flush');
    expect(flushes.map((f) => [f.id, (f.records as Array<{ value: unknown }>).map((r) => r.value)])).toEqual([
      [1, ['a']],
      [2, ['b']],
    ]);
  });

  it('fails the next flush, and every call after it, when a write failed in the thread', async () => {
    const writer = await openJournal({ failOn: 'bad' });
    writer.write([record('ok', 0), record('bad', 1)]);
    await expect(writer.flush(commit(1))).rejects.toThrow(/^sink journal-sink\.ts#journalSink in sink thread sinks: refused "bad"$/);
    expect(() => writer.write([record('ok', 2)])).toThrow(/refused "bad"/);
    await expect(writer.flush(commit(2))).rejects.toThrow(/refused "bad"/);
    expect(entries().filter((e) => e.call === 'flush')).toEqual([]);
  });

  it('fails the flush waiting for a thread that died', async () => {
    const writer = await openJournal({ exitOnFlush: 1 });
    writer.write([record('a', 0)]);
    await expect(writer.flush(commit(1))).rejects.toThrow(/exited with code 3/);
    expect(() => writer.write([record('b', 1)])).toThrow(/exited with code 3/);
  });

  it('runs several sinks in one thread, each with its own calls, and stops the thread with the last', async () => {
    const thread = sinkThread({ name: 'shared' });
    const other = join(dir, 'other.jsonl');
    const lines: string[] = [];
    const capture: Logger = { error: () => {}, warn: () => {}, info: (m) => lines.push(m), debug: () => {}, child: () => capture };
    const a = await openJournal({}, capture, thread);
    const b = await openJournal({ journal: other }, capture, thread);
    a.write([record('a1', 0)]);
    b.write([record('b1', 0), record('b2', 1)]);
    await Promise.all([a.flush(commit(1)), b.flush(commit(1))]);
    const flushed = (file?: string) => entries(file).filter((e) => e.call === 'flush').map((e) => (e.records as Array<{ value: unknown }>).map((r) => r.value));
    expect(flushed()).toEqual([['a1']]);
    expect(flushed(other)).toEqual([['b1', 'b2']]);
    expect(entries()[0]!.threadId).toBe(entries(other)[0]!.threadId);

    await a.close();
    expect(lines).not.toContain('sink thread stopped');
    b.write([record('b3', 2)]);
    await b.flush(commit(2));
    await b.close();
    open.length = 0;
    expect(lines.filter((m) => m === 'sink thread stopped')).toHaveLength(1);
    expect(flushed(other)).toEqual([['b1', 'b2'], ['b3']]);

    // Opened again (an engine made anew after a rebalance), the thread starts again; also when
    // the open comes while the last sink's close is still stopping the thread.
    let reopened: Promise<SinkWriter<unknown>> | undefined;
    const atStop: Logger = { ...silentLogger, info: (m) => void (m === 'sink thread stopped' && (reopened = openJournal({}, silentLogger, thread))), child: () => atStop };
    const last = await openJournal({ journal: join(dir, 'last.jsonl') }, atStop, thread);
    await last.close();
    const again = await reopened!;
    again.write([record('a2', 1)]);
    await again.flush(commit(3));
    expect(flushed()).toEqual([['a1'], ['a2']]);
    expect(entries().filter((e) => e.call === 'open')).toHaveLength(2);
  });

  it('keeps the other sinks of a thread going when one fails, and fails them all when the thread dies', async () => {
    const thread = sinkThread();
    const other = join(dir, 'other.jsonl');
    const failing = await openJournal({ failOn: 'bad', exitOnFlush: 9 }, silentLogger, thread);
    const healthy = await openJournal({ journal: other }, silentLogger, thread);
    failing.write([record('bad', 0)]);
    healthy.write([record('fine', 0)]);
    await expect(failing.flush(commit(1))).rejects.toThrow(/refused "bad"/);
    await healthy.flush(commit(1));
    expect(entries(other).filter((e) => e.call === 'flush')).toHaveLength(1);

    const dying = await openJournal({ exitOnFlush: 2, journal: join(dir, 'dying.jsonl') }, silentLogger, thread);
    await expect(dying.flush(commit(2))).rejects.toThrow(/sink thread sinks exited with code 3/);
    await expect(healthy.flush(commit(2))).rejects.toThrow(/exited with code 3/);
    expect(() => healthy.write([record('late', 1)])).toThrow(/exited with code 3/);
  });

  it('refuses at once a record that structured clone cannot copy', async () => {
    const writer = await openJournal();
    expect(() => writer.write([record({ f: () => 1 }, 0)])).toThrow(/plain data that structured clone can copy/);
  });

  it('loads a sink module that is an ES module with top-level await', async () => {
    const file = join(dir, 'notes.txt');
    // An .mjs module has no types here: the sink's type is written out, as a user of a JavaScript module would.
    const sink = sinkThread().sink<SinkFactory<{ file: string }, unknown>>({ module: require.resolve('./fixtures/top-level-await-sink.mjs'), factory: 'noteSink', args: { file } });
    const writer = await sink.open({ applicationId: 'app', nodeName: 'notes', logger: silentLogger });
    open.push(writer);
    writer.write([record('a', 1), record('b', 2)]);
    await writer.flush(commit(1));
    expect(readFileSync(file, 'utf8')).toBe('a!\nb!\n');
  });

  it('fails to open when the module does not make a sink, and says why', async () => {
    const thread = sinkThread();
    const missing = thread.sink({ module: MODULE, factory: 'missing', args: undefined });
    await expect(missing.open({ applicationId: 'app', nodeName: 'n', logger: silentLogger })).rejects.toThrow(/journal-sink\.ts has no function 'missing' to make the sink \(its functions: journalSink, notASinkFactory\)/);
    const notASink = thread.sink({ module: MODULE, factory: 'notASinkFactory', args: undefined });
    await expect(notASink.open({ applicationId: 'app', nodeName: 'n', logger: silentLogger })).rejects.toThrow(/returned no sink/);
    const noFile = thread.sink({ module: join(dir, 'nowhere.js'), factory: 'sink', args: undefined });
    await expect(noFile.open({ applicationId: 'app', nodeName: 'n', logger: silentLogger })).rejects.toThrow(/Cannot find module/);
  });

  it("writes the thread's logs with the engine's logger", async () => {
    const lines: Array<[string, string, Record<string, unknown> | undefined]> = [];
    const capture: Logger = {
      error: (m, f) => lines.push(['error', m, f]),
      warn: (m, f) => lines.push(['warn', m, f]),
      info: (m, f) => lines.push(['info', m, f]),
      debug: (m, f) => lines.push(['debug', m, f]),
      child: () => capture,
    };
    await openJournal({}, capture);
    expect(lines).toContainEqual([
      'info',
      'journal opened',
      { part: 'journal', file: journal, when: new Date(0), error: { message: 'not really', stack: expect.stringContaining('journal-sink.ts') } },
    ]);
    // Logging never fails a sink: what cannot be copied is dropped.
    expect(lines).toContainEqual(['debug', 'a field structured clone cannot copy', { nested: { n: 1 } }]);
  });

  it('reports its busy time and heap, which outlive its stops', async () => {
    const thread = sinkThread({ name: 'measured' });
    expect(thread.stats()).toEqual({ name: 'measured', running: false, sinks: 0, busySeconds: 0, uptimeSeconds: 0, heapBytes: 0, heapPeakBytes: 0 });
    const writer = await openJournal({}, silentLogger, thread);
    writer.write(Array.from({ length: 2_000 }, (_, i) => record({ i }, i)));
    await writer.flush(commit(1));
    const running = thread.stats();
    expect(running).toMatchObject({ running: true, sinks: 1 });
    expect(running.busySeconds).toBeGreaterThan(0);
    expect(running.uptimeSeconds).toBeGreaterThanOrEqual(running.busySeconds);
    // The thread sends its heap as it starts, then every second.
    expect(running.heapBytes).toBeGreaterThan(1_000_000);
    await writer.close();
    open.length = 0;
    const stopped = thread.stats();
    expect(stopped).toMatchObject({ running: false, sinks: 0, heapBytes: 0, heapPeakBytes: running.heapPeakBytes });
    expect(stopped.busySeconds).toBeGreaterThanOrEqual(running.busySeconds);
  });

  it('describes itself by its module and factory, or by its name', () => {
    const thread = sinkThread();
    expect(thread.name).toBe('sinks');
    expect(thread.sink({ module: MODULE, factory: 'journalSink', args: { journal: 'x' } }).target).toBe('journal-sink.ts#journalSink');
    expect(thread.sink({ module: MODULE, factory: 'journalSink', args: { journal: 'x' }, name: 'audit' })).toMatchObject({ kind: 'thread', target: 'audit' });
    expect(() => thread.sink({ module: '', factory: 'journalSink', args: { journal: 'x' } })).toThrow(/module must be/);
  });
});
