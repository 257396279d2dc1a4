import { appendFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { count, countDistinct, localBackend, memoryBackend, memorySink, processor, streams, tumbling, type StateBackend, type WindowResult } from '../../src';
import { TopologyTestDriver } from '../../src/testing';
import { event, MIN, sourceOptions, T0, type Event } from '../support/events';

const counter = processor<Event, number, number>({
  name: 'counter',
  process(_e, ctx) {
    const n = (ctx.state.get() ?? 0) + 1;
    ctx.state.set(n);
    ctx.timers.setEventTime('later', ctx.timestamp + MIN);
    ctx.emit(n);
  },
  onTimer(_t, ctx) {
    ctx.emit(-(ctx.state.get() ?? 0));
  },
});

function app() {
  const a = streams({ applicationId: 'restore' });
  const views = memorySink<WindowResult<string, number>>();
  const users = memorySink<WindowResult<null, number>>();
  const counts = memorySink<number>();
  const events = a.source('events', sourceOptions).withWatermark('1m');
  events.groupBy((e) => e.page_url).window(tumbling('1m')).aggregate(count(), { emit: 'final' }).to(views);
  events.window(tumbling('1m')).aggregate(countDistinct((e) => e.user_id), { emit: 'final' }).to(users);
  events.groupByKey().process(counter).to(counts);
  return { app: a, views, users, counts };
}

const stream = [
  event(0, { user_id: 'a' }),
  event(10_000, { user_id: 'b' }),
  event(20_000, { user_id: 'a', page_url: '/x' }),
  event(30_000, { user_id: 'c' }),
  event(61_000, { user_id: 'a' }),
  event(62_000, { user_id: 'b' }),
  event(2 * MIN + 1, { user_id: 'a' }),
  event(4 * MIN, { user_id: 'd' }),
];

async function runStraight() {
  const { app: a, views, users, counts } = app();
  const driver = await TopologyTestDriver.create(a);
  await driver.pipeAll('events', stream);
  return { views: driver.values(views), users: driver.values(users), counts: driver.values(counts) };
}

describe.each<[string, () => Promise<{ backend: StateBackend; cleanup: () => Promise<void> }>]>([
  ['memory backend', async () => ({ backend: memoryBackend(), cleanup: async () => {} })],
  [
    'local backend',
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'streams-restore-'));
      return { backend: localBackend({ dir }), cleanup: () => rm(dir, { recursive: true, force: true }) };
    },
  ],
])('restore from a checkpoint (%s)', (_name, makeBackend) => {
  it.each(['in-process', 'topics'] as const)('resumes where the last commit stopped after a crash: no result lost, none counted twice (repartition %s)', async (repartition) => {
    const expected = await runStraight();
    const { backend, cleanup } = await makeBackend();
    try {
      const { app: a, views, users, counts } = app();
      const driver = await TopologyTestDriver.create(a, { commit: 'manual', backend, repartition });
      await driver.pipeAll('events', stream.slice(0, 3));
      await driver.commit();
      await driver.pipeAll('events', stream.slice(3, 5)); // processed, never committed
      await driver.restart(); // crash: replays records 3 and 4
      await driver.pipeAll('events', stream.slice(5));
      await driver.commit();
      expect(driver.values(views)).toEqual(expected.views);
      expect(driver.values(users)).toEqual(expected.users);
      // The processor's outputs before the crash were never flushed: exactly one copy of each survives.
      expect(driver.values(counts)).toEqual(expected.counts);
      expect(driver.values(views).map((v) => [v.key, (v.windowStart - T0) / MIN, v.value])).toEqual([
        ['/home', 0, 3],
        ['/x', 0, 1],
        ['/home', 1, 2],
        ['/home', 2, 1], // closed by the watermark of 3m (event at 4m)
      ]);
    } finally {
      await cleanup();
    }
  });
});

describe('local backend', () => {
  const change = (offset: number, entries: Array<[string, number | null]>) =>
    new Map([['0_0', { checkpoint: { offsets: { 't:0': offset }, time: {} }, stores: new Map([['s', new Map(entries)]]) }]]);

  it('survives a new backend object (a new process) and drops a commit that was prepared but never finalized', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'streams-local-'));
    try {
      const first = localBackend({ dir });
      await first.prepare('app', 1, change(5, [['"k"', 1]]));
      await first.finalize('app', 1);
      await first.prepare('app', 2, change(9, [['"k"', 2]])); // crash before finalize…
      await appendFile(join(dir, 'app', 'tasks', '0_0.log'), '{"id":3,'); // …and a torn write after it

      const second = localBackend({ dir });
      const pending = await second.prepared('app');
      expect(pending?.commitId).toBe(2);
      expect(pending?.checkpoints.get('0_0')?.offsets).toEqual({ 't:0': 9 });
      const restored = await second.restore('app', ['0_0', '1_0']);
      expect([...restored.keys()]).toEqual(['0_0']);
      expect(restored.get('0_0')!.checkpoint.offsets).toEqual({ 't:0': 5 });
      expect([...restored.get('0_0')!.stores.get('s')!]).toEqual([['"k"', 1]]);
      expect(await second.lastCommitId('app')).toBe(1);
      expect(await second.prepared('app')).toBeUndefined(); // restore discarded it
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('finalizes a prepared commit found after a crash when the other system committed it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'streams-local-'));
    try {
      const first = localBackend({ dir });
      await first.prepare('app', 1, change(7, [['"k"', 7]]));
      const second = localBackend({ dir });
      const pending = await second.prepared('app');
      await second.finalize('app', pending!.commitId);
      const restored = await second.restore('app', ['0_0']);
      expect(restored.get('0_0')!.checkpoint.offsets).toEqual({ 't:0': 7 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('compacts a long log into a snapshot with the same content', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'streams-compact-'));
    try {
      const backend = localBackend({ dir, compactAfterBytes: 200 });
      for (let id = 1; id <= 20; id++) {
        await backend.prepare('app', id, change(id, [[`"k${id % 3}"`, id], ['"gone"', id === 20 ? null : id]]));
        await backend.finalize('app', id);
      }
      const restored = (await localBackend({ dir }).restore('app', ['0_0'])).get('0_0')!;
      expect(restored.checkpoint.offsets).toEqual({ 't:0': 20 });
      expect(Object.fromEntries(restored.stores.get('s')!)).toEqual({ '"k0"': 18, '"k1"': 19, '"k2"': 20 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
