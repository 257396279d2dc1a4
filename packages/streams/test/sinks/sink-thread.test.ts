import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { silentLogger, sinkThread, type Logger, type SinkRecord, type SinkWriter } from '../../src';
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

async function openJournal(args: Partial<JournalArgs> = {}, logger: Logger = silentLogger): Promise<SinkWriter<unknown>> {
  const sink = sinkThread<typeof journalSink>({ module: MODULE, factory: 'journalSink', args: { journal, ...args } });
  const writer = await sink.open({ applicationId: 'app', nodeName: 'journal-node', logger });
  open.push(writer);
  return writer;
}

function entries(): Array<Record<string, unknown>> {
  return readFileSync(journal, 'utf8')
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

  it('gives a flush what was written before it, and what is written while it runs to the next one', async () => {
    const writer = await openJournal({ flushDelayMs: 200 });
    writer.write([record('a', 0)]);
    const first = writer.flush(commit(1));
    writer.write([record('b', 1)]);
    expect(writer.buffered).toBe(2);
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
    await expect(writer.flush(commit(1))).rejects.toThrow(/sink thread .*journal-sink\.ts#journalSink: refused "bad"/);
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

  it('refuses at once a record that structured clone cannot copy', async () => {
    const writer = await openJournal();
    expect(() => writer.write([record({ f: () => 1 }, 0)])).toThrow(/plain data that structured clone can copy/);
  });

  it('fails to open when the module does not make a sink, and says why', async () => {
    const missing = sinkThread({ module: MODULE, factory: 'missing', args: undefined as never });
    await expect(missing.open({ applicationId: 'app', nodeName: 'n', logger: silentLogger })).rejects.toThrow(/journal-sink\.ts has no function 'missing' to make the sink \(its functions: journalSink, notASinkFactory\)/);
    const notASink = sinkThread({ module: MODULE, factory: 'notASinkFactory', args: undefined as never });
    await expect(notASink.open({ applicationId: 'app', nodeName: 'n', logger: silentLogger })).rejects.toThrow(/returned no sink/);
    const noFile = sinkThread({ module: join(dir, 'nowhere.js'), factory: 'sink', args: undefined as never });
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
  });

  it('describes itself by its module and factory, or by its name', () => {
    expect(sinkThread({ module: MODULE, factory: 'journalSink', args: { journal: 'x' } }).target).toBe('journal-sink.ts#journalSink');
    expect(sinkThread({ module: MODULE, factory: 'journalSink', args: { journal: 'x' }, name: 'audit' }).target).toBe('audit');
    expect(() => sinkThread({ module: '', factory: 'journalSink', args: { journal: 'x' } })).toThrow(/module must be/);
  });
});
