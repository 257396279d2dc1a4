import { Engine, memoryBackend, silentLogger, systemClock, type Sink, type SinkWriter, type StateBackend, type StreamsApp } from '@pipeline/streams';
import type { Dataset } from './dataset';

/**
 * The Engine alone, with no Kafka around it, started on every partition of `dataset` in `topic`
 * from offset 0: how the stage step and the profile scripts run a topology on records held in
 * memory. `context` is passed to every sink's `open` (e.g. a Kafka producer for the Kafka sink).
 */
export async function startEngineAlone(
  app: StreamsApp,
  dataset: Dataset,
  topic: string,
  options: { backend?: StateBackend; idleTimeoutMs?: number; context?: Record<string, unknown> } = {},
): Promise<Engine> {
  const topology = app.topology();
  const engine = new Engine({
    topology,
    backend: options.backend ?? memoryBackend(),
    clock: systemClock,
    logger: silentLogger,
    idleTimeoutMs: options.idleTimeoutMs ?? 3_600_000,
    openSink: (sink: Sink<never>, nodeName: string) =>
      sink.open({ applicationId: topology.applicationId, nodeName, logger: silentLogger, ...options.context }) as Promise<SinkWriter<unknown>>,
  });
  const partitions = Array.from({ length: dataset.partitions }, (_, partition) => ({ topic, partition }));
  await engine.start({ partitions, partitionCounts: new Map([[topic, dataset.partitions]]) });
  await engine.resumeFrom(partitions.map((p) => ({ ...p, offset: 0 })));
  return engine;
}
