import { Engine, silentLogger, systemClock, type Clock, type SinkWriter, type StateBackend, type StreamsApp } from '../../src';

/**
 * Starts an Engine on the one partition of topic `events`, with the app's real sinks (the test
 * driver captures them instead), and resumes it where the backend's last commit left off, or at
 * offset 0. `resumeAt` is that commit's offset, absent without one.
 */
export async function startEngine(app: StreamsApp, backend: StateBackend, clock: Clock = systemClock): Promise<{ engine: Engine; resumeAt: number | undefined }> {
  const engine = new Engine({
    topology: app.topology(),
    backend,
    clock,
    logger: silentLogger,
    idleTimeoutMs: 30_000,
    openSink: (sink, name) => sink.open({ applicationId: app.applicationId, nodeName: name, logger: silentLogger }) as Promise<SinkWriter<unknown>>,
  });
  const resume = await engine.start({ partitions: [{ topic: 'events', partition: 0 }], partitionCounts: new Map([['events', 1]]) });
  const resumeAt = resume.get('events:0');
  await engine.resumeFrom([{ topic: 'events', partition: 0, offset: resumeAt ?? 0 }]);
  return { engine, resumeAt };
}
