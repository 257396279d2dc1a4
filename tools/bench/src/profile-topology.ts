/**
 * `pnpm --filter @pipeline/bench profile-topology [events] [topology]`: the activity topology (null
 * sinks) through the Engine alone, for profiling the engine's hot path:
 * `node --cpu-prof` it, or read the µs/event it prints. Topologies: whole, decode, pageViews,
 * activeUsers, sessions, enriched.
 */
import type { StreamsApp } from '@pipeline/streams';
import { Dataset, mainDatasetSpec } from './dataset';
import { startEngineAlone } from './engine-alone';
import { PROFILED_TOPOLOGIES } from './topologies';

const TOPIC = 'user_activity';

async function run(app: StreamsApp, data: Dataset, from: number, to: number): Promise<number> {
  const engine = await startEngineAlone(app, data, TOPIC);
  const started = process.hrtime.bigint();
  for (let i = from; i < to; i += 5_000) {
    engine.process(data.rawBatch(TOPIC, i, Math.min(to, i + 5_000)));
    if ((i + 5_000) % 50_000 === 0) await engine.commit();
  }
  await engine.commit();
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  await engine.close();
  return ms;
}

async function main() {
  const events = Number(process.argv[2] ?? 300_000);
  const which = process.argv[3] ?? 'whole';
  const data = Dataset.generate(mainDatasetSpec(events));
  await run(PROFILED_TOPOLOGIES[which]!(TOPIC), data, 0, Math.min(50_000, events)); // warm-up
  const ms = await run(PROFILED_TOPOLOGIES[which]!(TOPIC), data, 0, events);
  console.log(`${which}: ${events} events in ${ms.toFixed(0)} ms: ${((ms * 1000) / events).toFixed(2)} µs/event, ${Math.round((events / ms) * 1000)} events/s`);
}

void main();
