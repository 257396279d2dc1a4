import { appendFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { count, countDistinct, localBackend, memoryBackend, memorySink, processor, streams, tumbling, type StateBackend, type TaskChanges, type WindowResult } from '../../src';
import type { Json } from '../../src/util/json';
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
  [
    'local backend, compacting whenever the log is not empty',
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'streams-restore-'));
      return { backend: localBackend({ dir, compactAfterBytes: 1 }), cleanup: () => rm(dir, { recursive: true, force: true }) };
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

  /** A task's state as a backend sees it: `commit` gives the changes of one commit, with `allEntries` read from the whole state. */
  function modelTask() {
    const state = new Map<string, Json>();
    return (offset: number, entries: Array<[string, number | null]>) => {
      for (const [key, value] of entries) {
        if (value === null) state.delete(key);
        else state.set(key, value);
      }
      const changes: TaskChanges = {
        checkpoint: { offsets: { 't:0': offset }, time: {} },
        stores: new Map([['s', new Map(entries)]]),
        allEntries: () => [...state].map(([key, value]) => ['s', key, value] as const),
      };
      return new Map([['0_0', changes]]);
    };
  }
  const tasksDir = (dir: string) => join(dir, 'app', 'tasks');

  it.each([
    ['a log line', 1 << 30],
    ['a snapshot', 0],
  ])('keeps the values a commit had when prepare was called, in %s, though they change before it resolves', async (_, compactAfterBytes) => {
    // The engine processes on while a commit completes: it changes the live values the changes
    // hold as soon as prepare returns. (A snapshot streams the live stores: the engine waits for it.)
    const dir = await mkdtemp(join(tmpdir(), 'streams-live-values-'));
    try {
      const backend = localBackend({ dir, compactAfterBytes });
      const live = { n: 1 };
      await backend.prepare('app', 1, new Map([['0_0', { checkpoint: { offsets: { 't:0': 1 }, time: {} }, stores: new Map([['s', new Map([['"k"', { n: 0 }]])]]) }]]));
      await backend.finalize('app', 1);
      const changes: TaskChanges = {
        checkpoint: { offsets: { 't:0': 2 }, time: {} },
        stores: new Map([['s', new Map([['"k"', live]])]]),
        allEntries: () => [['s', '"k"', live] as const],
      };
      const prepared = backend.prepare('app', 2, new Map([['0_0', changes]]));
      if (compactAfterBytes > 0) live.n = 99; // the engine's next record, before the log line is written
      await prepared;
      await backend.finalize('app', 2);
      live.n = 99;
      const restored = (await localBackend({ dir }).restore('app', ['0_0'])).get('0_0')!;
      expect(Object.fromEntries(restored.stores.get('s')!)).toEqual({ '"k"': { n: 1 } });
      expect((await readdir(tasksDir(dir))).includes('0_0.snapshot')).toBe(compactAfterBytes === 0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('compacts a long log into a snapshot with the same content', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'streams-compact-'));
    try {
      const backend = localBackend({ dir, compactAfterBytes: 200 });
      const commit = modelTask();
      for (let id = 1; id <= 20; id++) {
        await backend.prepare('app', id, commit(id, [[`"k${id % 3}"`, id], ['"gone"', id === 20 ? null : id]]));
        await backend.finalize('app', id);
      }
      const files = await readdir(tasksDir(dir));
      expect(files.sort()).toEqual(['0_0.log', '0_0.snapshot']);
      // The log only holds what came after the last snapshot: a few lines, not twenty.
      const logLines = (await readFile(join(tasksDir(dir), '0_0.log'), 'utf8')).split('\n').filter(Boolean);
      expect(logLines.length).toBeLessThan(10);
      const restored = (await localBackend({ dir }).restore('app', ['0_0'])).get('0_0')!;
      expect(restored.checkpoint.offsets).toEqual({ 't:0': 20 });
      expect(Object.fromEntries(restored.stores.get('s')!)).toEqual({ '"k0"': 18, '"k1"': 19, '"k2"': 20 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('restores window, distinct-count, key-value and timer stores from a snapshot of the live stores', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'streams-snapshot-'));
    try {
      const expected = await runStraight();
      const { app: a, views, users, counts } = app();
      const driver = await TopologyTestDriver.create(a, { commit: 'manual', backend: localBackend({ dir, compactAfterBytes: 1 }) });
      await driver.pipeAll('events', stream.slice(0, 2));
      await driver.commit(); // a log line
      await driver.pipeAll('events', stream.slice(2, 5));
      await driver.commit(); // the log is not empty: a snapshot of every store instead
      expect((await readdir(join(dir, 'restore', 'tasks'))).filter((f) => f.endsWith('.snapshot')).length).toBeGreaterThan(0);
      await driver.pipeAll('events', stream.slice(5, 6)); // never committed
      await driver.restart(); // restored from the snapshot; replays record 5
      await driver.pipeAll('events', stream.slice(6));
      await driver.commit();
      expect(driver.values(views)).toEqual(expected.views);
      expect(driver.values(users)).toEqual(expected.users);
      expect(driver.values(counts)).toEqual(expected.counts);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('discards a snapshot whose commit was never finalized, and puts in place one whose commit was', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'streams-compact-crash-'));
    try {
      const first = localBackend({ dir, compactAfterBytes: 200 });
      const commit = modelTask();
      for (let id = 1; id <= 3; id++) {
        await first.prepare('app', id, commit(id, [[`"k${id}"`, id]]));
        await first.finalize('app', id);
      }
      await first.prepare('app', 4, commit(4, [['"k4"', 4]])); // the log is long: this commit is a snapshot…
      expect(await readdir(tasksDir(dir))).toContain('0_0.snapshot.next');

      // …and the process dies before finalize: restore is back at commit 3.
      const restarted = (await localBackend({ dir, compactAfterBytes: 200 }).restore('app', ['0_0'])).get('0_0')!;
      expect(restarted.checkpoint.offsets).toEqual({ 't:0': 3 });
      expect(Object.fromEntries(restarted.stores.get('s')!)).toEqual({ '"k1"': 1, '"k2"': 2, '"k3"': 3 });
      expect(await readdir(tasksDir(dir))).not.toContain('0_0.snapshot.next');

      // Exactly-once: the other system did commit 4. A new process finds it prepared and finalizes it.
      const again = modelTask();
      for (let id = 1; id <= 3; id++) again(id, [[`"k${id}"`, id]]);
      await localBackend({ dir, compactAfterBytes: 200 }).prepare('app', 4, again(4, [['"k4"', 4]]));
      const recovering = localBackend({ dir, compactAfterBytes: 200 });
      const pending = await recovering.prepared('app');
      expect(pending?.commitId).toBe(4);
      expect(pending?.checkpoints.get('0_0')?.offsets).toEqual({ 't:0': 4 });
      await recovering.finalize('app', 4);
      const recovered = (await recovering.restore('app', ['0_0'])).get('0_0')!;
      expect(recovered.checkpoint.offsets).toEqual({ 't:0': 4 });
      expect(Object.fromEntries(recovered.stores.get('s')!)).toEqual({ '"k1"': 1, '"k2"': 2, '"k3"': 3, '"k4"': 4 });
      expect((await readdir(tasksDir(dir))).sort()).toEqual(['0_0.log', '0_0.snapshot']);

      // Later commits go to the emptied log, after the snapshot.
      await recovering.prepare('app', 5, again(5, [['"k1"', null]]));
      await recovering.finalize('app', 5);
      const last = (await localBackend({ dir }).restore('app', ['0_0'])).get('0_0')!;
      expect(Object.fromEntries(last.stores.get('s')!)).toEqual({ '"k2"': 2, '"k3"': 3, '"k4"': 4 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('restores past a log line torn inside a multi-byte character, and cuts it off', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'streams-torn-'));
    try {
      const backend = localBackend({ dir });
      await backend.prepare('app', 1, change(5, [['"café"', 1]]));
      await backend.finalize('app', 1);
      const log = join(tasksDir(dir), '0_0.log');
      const committedBytes = (await readFile(log)).length;
      // A write of commit 2 cut after the first byte of "é" (0xC3 0xA9).
      await appendFile(log, Buffer.concat([Buffer.from('{"id":2,"cp":{"offsets":{"t:0":9},"time":{}},"s":{"s":[["\\"caf'), Buffer.from([0xc3])]));
      const restored = (await localBackend({ dir }).restore('app', ['0_0'])).get('0_0')!;
      expect(restored.checkpoint.offsets).toEqual({ 't:0': 5 });
      expect([...restored.stores.get('s')!]).toEqual([['"café"', 1]]);
      expect((await readFile(log)).length).toBe(committedBytes);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reads a snapshot in the format before 0.2 (one JSON object, no newline)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'streams-legacy-'));
    try {
      await mkdir(tasksDir(dir), { recursive: true });
      await writeFile(join(tasksDir(dir), '0_0.snapshot'), JSON.stringify({ id: 3, cp: { offsets: { 't:0': 30 }, time: {} }, s: { s: [['"a"', 1], ['"b"', 2]] } }));
      await writeFile(join(dir, 'app', 'COMMITTED'), JSON.stringify({ commitId: 3 }));
      const backend = localBackend({ dir });
      expect((await backend.restore('app', ['0_0'])).get('0_0')!.checkpoint.offsets).toEqual({ 't:0': 30 });
      await backend.prepare('app', 4, change(40, [['"b"', null], ['"c"', 3]]));
      await backend.finalize('app', 4);
      const restored = (await localBackend({ dir }).restore('app', ['0_0'])).get('0_0')!;
      expect(restored.checkpoint.offsets).toEqual({ 't:0': 40 });
      expect(Object.fromEntries(restored.stores.get('s')!)).toEqual({ '"a"': 1, '"c"': 3 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('an aborted commit leaves nothing a later commit of the same id could pick up, in tasks not restored too', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'streams-aborted-'));
    try {
      const twoTasks = (id: number, value: number) =>
        new Map(['0_0', '1_0'].map((task) => [task, { checkpoint: { offsets: { [`t:${task[0]}`]: id }, time: {} }, stores: new Map([['s', new Map([['"k"', value]])]]), allEntries: () => [['s', '"k"', value] as const] }]));
      const first = localBackend({ dir, compactAfterBytes: 10 });
      await first.prepare('app', 1, twoTasks(1, 1));
      await first.finalize('app', 1);
      await first.prepare('app', 2, twoTasks(2, 666)); // snapshots (.next) for both tasks; the transaction aborts, the process dies
      expect((await readdir(tasksDir(dir))).filter((f) => f.endsWith('.next'))).toHaveLength(2);

      // The restarted instance is given only task 1_0 at first, and commits its own commit 2.
      const second = localBackend({ dir, compactAfterBytes: 10 });
      expect((await second.restore('app', ['1_0'])).get('1_0')!.checkpoint.offsets).toEqual({ 't:1': 1 });
      expect((await readdir(tasksDir(dir))).filter((f) => f.endsWith('.next'))).toHaveLength(0);
      await second.prepare('app', 2, new Map([['1_0', { checkpoint: { offsets: { 't:1': 2 }, time: {} }, stores: new Map([['s', new Map([['"k"', 2]])]]) }]]));
      await second.finalize('app', 2);

      // Task 0_0, restored later, is at commit 1: not the aborted commit 2.
      const restored = (await localBackend({ dir }).restore('app', ['0_0', '1_0']));
      expect(restored.get('0_0')!.checkpoint.offsets).toEqual({ 't:0': 1 });
      expect([...restored.get('0_0')!.stores.get('s')!]).toEqual([['"k"', 1]]);
      expect([...restored.get('1_0')!.stores.get('s')!]).toEqual([['"k"', 2]]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
