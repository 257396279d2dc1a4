/**
 * `pnpm --filter @pipeline/bench profile-memory [users] [topology] [backend]`: the memory run's
 * events (every user opens a session and views a page; nobody leaves) through the Engine alone,
 * with null sinks, then prints the heap that stays live: what each topology branch and the state
 * backend cost per user. Topologies as in profile-topology; backends: memory, local.
 * Run with `node --expose-gc` (the script does) so the figure is live data, not garbage.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localBackend, memoryBackend } from '@pipeline/streams';
import { Dataset } from './dataset';
import { startEngineAlone } from './engine-alone';
import { memoryEvents } from './steps/memory';
import { PROFILED_TOPOLOGIES } from './topologies';

const TOPIC = 'user_activity';

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

function liveHeap(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with node --expose-gc');
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

async function main() {
  const users = Number(process.argv[2] ?? 100_000);
  const which = process.argv[3] ?? 'whole';
  const backendName = process.argv[4] ?? 'local';
  const data = Dataset.from(users * 2, 3, memoryEvents(users, 1));
  const stateDir = mkdtempSync(join(tmpdir(), 'profile-memory-'));
  const before = liveHeap();
  let peakRss = process.memoryUsage().rss;
  const backend = backendName === 'memory' ? memoryBackend() : localBackend({ dir: stateDir });
  const engine = await startEngineAlone(PROFILED_TOPOLOGIES[which]!(TOPIC), data, TOPIC, { backend });
  for (let i = 0; i < data.count; i += 5_000) {
    engine.process(data.rawBatch(TOPIC, i, Math.min(data.count, i + 5_000)));
    if ((i + 5_000) % 50_000 === 0) await engine.commit();
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }
  await engine.commit();
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  const live = liveHeap() - before;
  console.log(
    `${which} (${backendName} backend), ${users} users: live heap ${mb(live)} (${Math.round(live / users)} bytes a user), ` +
      `peak RSS ${mb(peakRss)}; store entries ${JSON.stringify(engine.metrics().storeEntries)}`,
  );
  await engine.close();
  rmSync(stateDir, { recursive: true, force: true });
}

void main();
