import type * as FsPromises from 'node:fs/promises';
import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localBackend, type TaskChanges } from '../../src';
import type { Json } from '../../src/util/json';

// The local backend after a failed commit and after a crash: restore gives the last finalized
// commit, whatever a failed prepare or a power loss left in the tasks' logs.

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'streams-failed-prepare-'));
});
afterEach(async () => {
  jest.restoreAllMocks();
  await rm(dir, { recursive: true, force: true });
});

const changes = (offset: number, entries: Record<string, Json>): TaskChanges => ({
  checkpoint: { offsets: { 't:0': offset }, time: {} },
  stores: new Map([['s', new Map(Object.entries(entries))]]),
});

async function restored(task: string) {
  const snapshot = (await localBackend({ dir }).restore('app', ['0_0', '1_0'])).get(task)!;
  return { offsets: snapshot.checkpoint.offsets, s: Object.fromEntries(snapshot.stores.get('s') ?? []) };
}

it("waits for every task's write before a failed prepare rejects: none lands after the restore that follows", async () => {
  // One task's write fails (a full disk) while another's is still on its way. The engine then
  // restores and commits again, reusing the commit id; a write that landed after the restore
  // brought the failed commit's value back, with the new commit's checkpoint.
  const backend = localBackend({ dir });
  await backend.prepare('app', 1, new Map([['0_0', changes(1, { '"a"': 1 })], ['1_0', changes(1, { '"x"': 1 })]]));
  await backend.finalize('app', 1);
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  // The module object itself (an import's namespace may be a copy): the backend calls its `open`.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const fsp = require('node:fs/promises') as typeof FsPromises;
  const realOpen = fsp.open;
  jest.spyOn(fsp, 'open').mockImplementation(async (...args: Parameters<typeof fsp.open>) => {
    const path = String(args[0]);
    if (path.endsWith('0_0.log')) throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
    if (path.endsWith('1_0.log')) await gate;
    return realOpen(...args);
  });
  const failed = backend.prepare('app', 2, new Map([['0_0', changes(2, { '"a"': 2 })], ['1_0', changes(2, { '"x"': 666 })]]));
  let settled = false;
  void failed.catch(() => undefined).then(() => (settled = true));
  await new Promise((resolve) => setTimeout(resolve, 50));
  expect(settled).toBe(false); // still waiting for the other task's write
  release();
  await expect(failed).rejects.toThrow('ENOSPC');
  jest.restoreAllMocks();
  // The engine restores (discarding what the failed commit wrote) and commits again as 2.
  const again = localBackend({ dir });
  await again.restore('app', ['0_0', '1_0']);
  await again.prepare('app', 2, new Map([['0_0', changes(2, { '"a"': 2 })], ['1_0', changes(2, { '"y"': 2 })]]));
  await again.finalize('app', 2);
  expect(await restored('1_0')).toEqual({ offsets: { 't:0': 2 }, s: { '"x"': 1, '"y"': 2 } });
});

it('drops a last log line that is whole but unreadable (a power loss left a page of zeros in it), as it drops a torn one', async () => {
  // Committed lines are synced before COMMITTED names their commit: an unreadable last line can
  // only be a commit that never finished. Restore failed on it at every start.
  const backend = localBackend({ dir });
  await backend.prepare('app', 1, new Map([['0_0', changes(1, { '"a"': 1 })], ['1_0', changes(1, { '"x"': 1 })]]));
  await backend.finalize('app', 1);
  await appendFile(join(dir, 'app', 'tasks', '0_0.log'), `${'\0'.repeat(4096)}${'v'.repeat(4000)}"}}\n`);
  expect(await restored('0_0')).toEqual({ offsets: { 't:0': 1 }, s: { '"a"': 1 } });
  // And the next commit's line follows the committed ones.
  const again = localBackend({ dir });
  await again.restore('app', ['0_0', '1_0']);
  await again.prepare('app', 2, new Map([['0_0', changes(2, { '"b"': 2 })], ['1_0', changes(2, {})]]));
  await again.finalize('app', 2);
  expect(await restored('0_0')).toEqual({ offsets: { 't:0': 2 }, s: { '"a"': 1, '"b"': 2 } });
});

it('still refuses an unreadable line before the last one: that one was committed', async () => {
  const backend = localBackend({ dir });
  await backend.prepare('app', 1, new Map([['0_0', changes(1, { '"a"': 1 })]]));
  await backend.finalize('app', 1);
  const log = join(dir, 'app', 'tasks', '0_0.log');
  const committed = await readFile(log, 'utf8');
  await writeFile(log, `garbled\n${committed}`);
  await expect(localBackend({ dir }).restore('app', ['0_0'])).rejects.toThrow();
});
