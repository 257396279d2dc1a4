import { memoryBackend, streams, type Sink, type SinkWriter } from '../../src';
import { startEngine } from '../support/engine';
import { event, sourceOptions } from '../support/events';

// A commit whose flush fails in one sink must not fail before every other sink's flush has
// settled: the runtime stops on the failure and gives the partitions up, and a sink still
// writing behind it could land its rows after another instance has taken them.

function sink(name: string, flush: () => Promise<void>, log: string[]): Sink<unknown> {
  return {
    kind: 'test',
    target: name,
    open: async (): Promise<SinkWriter<unknown>> => ({
      write: () => undefined,
      flush: async () => {
        await flush();
        log.push(`${name} flushed`);
      },
      close: async () => undefined,
    }),
  };
}

describe('a commit whose flush fails in one sink', () => {
  it('fails only once every other sink has finished its flush', async () => {
    const log: string[] = [];
    const app = streams({ applicationId: 'failed-flush' });
    const events = app.source('events', sourceOptions);
    events.to(sink('failing', () => Promise.reject(new Error('disk full')), log));
    events.to(sink('slow', () => new Promise((resolve) => setTimeout(resolve, 200)), log));
    const { engine } = await startEngine(app, memoryBackend());
    engine.process([{ topic: 'events', partition: 0, offset: 0, key: null, value: Buffer.from(JSON.stringify(event(0))) }]);
    const failed = engine.commit().then(
      () => 'committed',
      (error: Error) => `failed: ${error.message}`,
    );
    const outcome = await failed;
    log.push(outcome);
    expect(log).toEqual(['slow flushed', 'failed: disk full']);
  });
});
