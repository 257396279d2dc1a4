import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localBackend, silentLogger, sinkThread, streams } from '../../../src';
import { KafkaStreams } from '../../../src/connectors/kafka';
import { event, sourceOptions } from '../../support/events';
import { groupOffsets } from '../../support/group-offsets';
import { scratchTopics } from '../../support/scratch-topics';
import { brokers, produce, uniqueName, waitFor } from '../../support/kafka';
import { diskLakeSink } from './disk-lake-sink';
import { readLake } from './lake-helpers';
import { canMountDisk, smallDisk, type SmallDisk } from './small-disk';

// The lake's disk failing under a running app, on the real broker: a full disk (ENOSPC) and a
// read-only one (EROFS), each a tmpfs of the test's own. What the app says, what the group
// committed, and, once the disk is fixed and the app restarted, whether every event is in the
// lake exactly once.

jest.setTimeout(60_000);

let disk: SmallDisk;
/** The disk this test mounted and has not yet removed: removed after it, once. */
let mounted: SmallDisk | undefined;
const mountDisk = (size: string) => {
  disk = mounted = smallDisk(size);
};
let stateDir: string;
beforeEach(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'lake-disk-state-'));
});
const topics = scratchTopics();
afterEach(async () => {
  await topics.dropAll();
  mounted?.remove();
  mounted = undefined;
  await rm(stateDir, { recursive: true, force: true });
});

/** Event `i`, with a page of random characters (about 1 kB a row that compression cannot shrink). */
const eventAt = (i: number) => {
  const e = event(i * 1000, { user_id: `u${i}`, page_url: `/${randomBytes(750).toString('base64')}` });
  return { value: JSON.stringify(e), key: e.user_id };
};
const events = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => eventAt(from + i));

/** Every event of `input` to the lake on the small disk; `thread`: the sink in a sink thread, as the activity pipeline runs it. */
async function run(input: string, applicationId: string, thread = false) {
  const sink = thread
    ? sinkThread({ name: 'lake-thread' }).sink<typeof diskLakeSink>({ module: require.resolve('./disk-lake-sink'), factory: 'diskLakeSink', args: disk.dir, name: 'lake' })
    : diskLakeSink(disk.dir);
  const app = streams({ applicationId });
  app.source(input, sourceOptions).withWatermark('1m').to(sink);
  const runtime = new KafkaStreams(app, { connection: { brokers }, stateBackend: localBackend({ dir: stateDir }), commitInterval: '100ms', logger: silentLogger });
  await runtime.start();
  return { runtime };
}

const committedOffset = async (applicationId: string, input: string) => (await groupOffsets(applicationId, input, 1))[0]!;

/** The input offsets of the lake's final files, sorted: each once means exactly once. */
async function lakeOffsets(): Promise<number[]> {
  return (await readLake(disk.dir)).map((r) => Number(r['_offset'])).sort((a, b) => a - b);
}

/** Restarts the app on the fixed disk, reads everything, stops cleanly (which rolls all staging). */
async function restartAndDrain(input: string, applicationId: string, total: number, thread: boolean): Promise<void> {
  const { runtime } = await run(input, applicationId, thread);
  try {
    await waitFor(async () => (await committedOffset(applicationId, input)) === total, 30_000, `offset ${total} committed`);
  } finally {
    await runtime.stop();
  }
  await expect(runtime.done).resolves.toBeUndefined();
}

(canMountDisk ? describe.each : describe.skip.each)([
  { where: 'in process', thread: false, prefix: '' },
  { where: 'in a sink thread', thread: true, prefix: 'sink lake in sink thread lake-thread: ' },
])('a running app whose lake ($where) has its disk', ({ thread, prefix }) => {
  it('fill up (ENOSPC): stops naming the lake, commits nothing past what is on disk; after room is made, the lake holds every event once', async () => {
    mountDisk('256k');
    const input = uniqueName('lake-full');
    await topics.create(input, 1);
    await produce(input, events(0, 20));
    const applicationId = uniqueName('app');
    const first = await run(input, applicationId, thread);
    try {
      await waitFor(async () => (await committedOffset(applicationId, input)) === 20, 20_000, 'offset 20 committed');
      await produce(input, events(20, 400)); // ~400 kB: more than the disk holds
      await expect(first.runtime.done).rejects.toThrow(
        new RegExp(`^${prefix}parquet sink lake: cannot (stage \\d+ rows in|roll) ${disk.dir}/event_date=2024-01-01/\\.staging-${input}-0-\\d+\\.jsonl( into a Parquet file)?: ENOSPC: no space left on device`),
      );
    } finally {
      await first.runtime.stop();
    }
    const committed = await committedOffset(applicationId, input);
    expect(committed).toBeGreaterThanOrEqual(20);
    expect(committed).toBeLessThan(400);

    disk.remount('size=20m');
    await restartAndDrain(input, applicationId, 400, thread);
    expect(await lakeOffsets()).toEqual(Array.from({ length: 400 }, (_, i) => i));
  });

  it('turn read-only (EROFS): stops naming the lake, commits nothing past what is on disk; once writable again, the lake holds every event once', async () => {
    mountDisk('20m');
    const input = uniqueName('lake-ro');
    await topics.create(input, 1);
    await produce(input, events(0, 70));
    const applicationId = uniqueName('app');
    const first = await run(input, applicationId, thread);
    try {
      await waitFor(async () => (await committedOffset(applicationId, input)) === 70, 20_000, 'offset 70 committed');
      disk.remount('ro');
      await produce(input, events(70, 90));
      // The first write to fail is the next staging file's, or, when the roll of the first 50
      // rows finished after its commit (a loaded machine), the removal of their staging file.
      const staging = `${disk.dir}/event_date=2024-01-01/\\.staging-${input}-0-`;
      await expect(first.runtime.done).rejects.toThrow(
        new RegExp(`^${prefix}parquet sink lake: (cannot stage \\d+ rows in ${staging}50\\.jsonl|cannot remove ${staging}0\\.jsonl, a staging file already rolled into a Parquet file): EROFS: read-only file system`),
      );
    } finally {
      await first.runtime.stop();
    }
    expect(await committedOffset(applicationId, input)).toBe(70);

    disk.remount('rw');
    await restartAndDrain(input, applicationId, 90, thread);
    expect(await lakeOffsets()).toEqual(Array.from({ length: 90 }, (_, i) => i));
  });
});
