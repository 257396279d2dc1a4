/**
 * The entry point of a sink thread (see `sinkThread`): makes the sink from its module, opens it and
 * serves the engine's calls, in the order they were made. Not imported by anything: `sinkThread`
 * starts a worker on this file.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import type { Sink, SinkWriter } from '../sink';
import { unpackBatch } from './batch-codec';
import { forwardingLogger } from './forwarding-logger';
import { toThreadError, type SinkEvent, type SinkRequest, type SinkThreadData } from './protocol';

const port = parentPort!;
const data = workerData as SinkThreadData;
const post = (event: SinkEvent): void => port.postMessage(event);

async function loadModule(path: string): Promise<Record<string, unknown>> {
  try {
    // require, not import(): it goes through the require hook that tsx registers for TypeScript sources.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(path) as Record<string, unknown>;
  } catch (error) {
    // An ES module: only `import()` loads it.
    if ((error as { code?: string }).code !== 'ERR_REQUIRE_ESM') throw error;
    return (await import(path.startsWith('file:') ? path : pathToFileURL(path).href)) as Record<string, unknown>;
  }
}

async function makeSink(): Promise<Sink<unknown>> {
  const exports = await loadModule(data.module);
  const factory = exports[data.factory];
  if (typeof factory !== 'function') {
    const functions = Object.keys(exports).filter((name) => typeof exports[name] === 'function');
    throw new Error(`${data.module} has no function '${data.factory}' to make the sink (its functions: ${functions.join(', ') || 'none'})`);
  }
  const sink = (await (factory as (args: unknown) => unknown)(data.args)) as Sink<unknown> | undefined;
  if (typeof sink?.open !== 'function') throw new Error(`${data.module}#${data.factory} returned no sink (an object with kind, target and open)`);
  return sink;
}

/** Runs `call` and replies to request `id` when it settles. */
function reply(id: number, call: () => Promise<void> | undefined): void {
  Promise.resolve()
    .then(call)
    .then(
      () => post({ type: 'done', id }),
      (error: unknown) => post({ type: 'failed', id, error: toThreadError(error) }),
    );
}

async function serve(): Promise<void> {
  const sink = await makeSink();
  const writer: SinkWriter<unknown> = await sink.open({ applicationId: data.applicationId, nodeName: data.nodeName, logger: forwardingLogger(post) });
  let broken: unknown;
  port.on('message', (request: SinkRequest) => {
    if (request.type === 'write') {
      if (broken !== undefined) return;
      try {
        writer.write(unpackBatch(request.batch));
      } catch (error) {
        // As in process: after a failed write the writer is unusable and the engine stops.
        broken = error;
        post({ type: 'broken', error: toThreadError(error) });
      }
      return;
    }
    if (broken !== undefined && request.type !== 'close') {
      post({ type: 'failed', id: request.id, error: toThreadError(broken) });
      return;
    }
    switch (request.type) {
      case 'flush':
        return reply(request.id, () => writer.flush(request.commit));
      case 'committed':
        return reply(request.id, () => writer.committed?.(request.commit));
      case 'recover':
        return reply(request.id, () => writer.recover?.(request.positions));
      case 'close':
        return reply(request.id, () => writer.close());
    }
  });
  post({ type: 'opened', kind: sink.kind, target: sink.target });
}

serve().catch((error: unknown) => post({ type: 'broken', error: toThreadError(error) }));
