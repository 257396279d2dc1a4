/**
 * `pnpm --filter @pipeline/bench profile-topology [events] [topology]`: the activity topology (null
 * sinks) through the Engine alone, for profiling the engine's hot path:
 * `node --cpu-prof` it, or read the µs/event it prints. Topologies: whole, decode, pageViews,
 * activeUsers, sessions, enriched.
 */
import { Engine, memoryBackend, silentLogger, systemClock, type StreamsApp } from '@pipeline/streams';
import { Dataset, mainDatasetSpec } from './dataset';
import { activeUsersOnly, decodeOnly, enrichedOnly, pageViewsOnly, sessionsOnly, wholeTopology } from './topologies';

const TOPIC = 'user_activity';
const topologies: Record<string, () => StreamsApp> = {
  whole: () => wholeTopology(TOPIC),
  decode: () => decodeOnly(TOPIC),
  pageViews: () => pageViewsOnly(TOPIC),
  activeUsers: () => activeUsersOnly(TOPIC),
  sessions: () => sessionsOnly(TOPIC),
  enriched: () => enrichedOnly(TOPIC),
};

async function run(app: StreamsApp, data: Dataset, from: number, to: number): Promise<number> {
  const engine = new Engine({
    topology: app.topology(),
    backend: memoryBackend(),
    clock: systemClock,
    logger: silentLogger,
    idleTimeoutMs: 3_600_000,
    openSink: (sink, nodeName) => sink.open({ applicationId: 'profile', nodeName, logger: silentLogger }) as never,
  });
  const partitions = Array.from({ length: data.partitions }, (_, partition) => ({ topic: TOPIC, partition }));
  await engine.start({ partitions, partitionCounts: new Map([[TOPIC, data.partitions]]) });
  await engine.resumeFrom(partitions.map((p) => ({ ...p, offset: 0 })));
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
  await run(topologies[which]!(), data, 0, Math.min(50_000, events)); // warm-up
  const ms = await run(topologies[which]!(), data, 0, events);
  console.log(`${which}: ${events} events in ${ms.toFixed(0)} ms: ${((ms * 1000) / events).toFixed(2)} µs/event, ${Math.round((events / ms) * 1000)} events/s`);
}

void main();
