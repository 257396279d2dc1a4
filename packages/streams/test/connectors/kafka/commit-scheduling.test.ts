import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localBackend, silentLogger, streams, VirtualClock, type CommitInfo, type Sink, type SinkRecord } from '../../../src';
import { KafkaStreams } from '../../../src/connectors/kafka';
import { event, sourceOptions } from '../../support/events';
import { brokers, createTopic, produce, uniqueName, waitFor } from '../../support/kafka';

jest.setTimeout(120_000);

/** A sink whose first flush holds until the test releases it; the others resolve at once. */
function heldFirstFlush() {
  const written: number[] = [];
  const flushes: CommitInfo[] = [];
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  const sink: Sink<{ n: number }> = {
    kind: 'test',
    target: 'held-first-flush',
    async open() {
      return {
        write: (records: readonly SinkRecord<{ n: number }>[]) => {
          for (const r of records) written.push(r.value.n);
        },
        flush: (info: CommitInfo) => {
          flushes.push(info);
          return flushes.length === 1 ? held : Promise.resolve();
        },
        close: async () => undefined,
      };
    },
  };
  return { sink, written, flushes, release };
}

describe('at-least-once commit scheduling on the real broker', () => {
  let stateDir: string;
  beforeEach(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'commit-scheduling-'));
  });
  afterEach(async () => {
    await rm(stateDir, { recursive: true, force: true });
  });

  it('goes on processing while a commit writes, through one more commit interval, then waits for it', async () => {
    const input = uniqueName('in');
    await createTopic(input, 1);
    let next = 0;
    const wave = (size: number) =>
      produce(
        input,
        Array.from({ length: size }, () => {
          const n = next++;
          return { value: JSON.stringify(event(n * 1000, { user_id: 'u', page_url: `/${n}` })), key: 'u' };
        }),
      );

    const app = streams({ applicationId: uniqueName('app') });
    const out = heldFirstFlush();
    app.source(input, sourceOptions).map((e) => ({ n: Number(e.page_url.slice(1)) })).to(out.sink);
    const clock = new VirtualClock(1_000_000);
    const runtime = new KafkaStreams(app, {
      connection: { brokers },
      stateBackend: localBackend({ dir: stateDir }),
      commitInterval: '1s',
      clock,
      logger: silentLogger,
    });
    await wave(10);
    await runtime.start();
    try {
      await waitFor(() => out.written.length >= 10, 30_000, 'the first wave');
      clock.advance(1_000); // the first commit comes due: its flush is held
      await waitFor(() => out.flushes.length === 1, 10_000, 'the first flush');
      expect(out.flushes[0]!.offsets).toEqual([{ topic: input, partition: 0, offset: 10 }]);

      // Records processed meanwhile belong to the next commit.
      await wave(10);
      await waitFor(() => out.written.length >= 20, 30_000, 'the second wave');

      // One interval later the next commit is due, but the first is still writing: the loop
      // does not wait for it, it reads and processes the next records.
      clock.advance(1_000);
      await wave(10);
      await waitFor(() => out.written.length >= 30, 30_000, 'the third wave while the first commit writes');

      // Two intervals after the held commit started, the loop waits for it.
      clock.advance(1_000);
      await new Promise((resolve) => setTimeout(resolve, 500)); // the loop's next turn (consume waits at most 100 ms)
      await wave(10);
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(out.written).toHaveLength(30);
      expect(out.flushes).toHaveLength(1);

      // Released, the first commit completes and the second starts at once, with everything
      // processed since the first.
      out.release();
      await waitFor(() => out.flushes.length >= 2, 10_000, 'the second flush');
      expect(out.flushes[1]!.offsets).toEqual([{ topic: input, partition: 0, offset: 30 }]);
      await waitFor(() => out.written.length >= 40, 30_000, 'the fourth wave after the release');
    } finally {
      out.release();
      await runtime.stop();
    }
    expect(out.written).toEqual(Array.from({ length: 40 }, (_, n) => n));
    expect(out.flushes.at(-1)!.offsets).toEqual([{ topic: input, partition: 0, offset: 40 }]);
  });
});
