/**
 * The entry point of a sink thread (see `sinkThread`): makes each sink the engine's thread asks
 * for from its module, opens it and serves its calls, in the order they were made. Not imported
 * by anything: `SinkThreadHost` starts a worker on this file.
 */
import { pathToFileURL } from 'node:url';
import { getHeapStatistics } from 'node:v8';
import { parentPort } from 'node:worker_threads';
import type { Sink, SinkWriter } from '../sink';
import { unpackBatch } from './batch-codec';
import { forwardProcessWarnings } from '../../logging/process-warnings';
import { forwardingLogger } from './forwarding-logger';
import { toThreadError, type OpenedSink, type SinkEvent, type SinkRequest, type ThreadedSinkSpec } from './protocol';

const port = parentPort!;
const post = (event: SinkEvent): void => port.postMessage(event);

interface Hosted {
  readonly writer: SinkWriter<unknown>;
  /** A write threw: the sink is unusable (as in process, the engine stops). */
  broken?: unknown;
}
const hosted = new Map<number, Hosted>();

// The thread's process warnings (pg's notice about sslmode, when a sink connects) go to the
// engine's thread, which emits them again: the process's settings and printer (or its
// logProcessWarnings) apply, instead of Node's printer here writing plain lines to stderr.
forwardProcessWarnings((warning) => post({ type: 'warning', ...warning }));

// The thread's heap, for the engine's side to report (SinkThread.stats()).
const reportHeap = () => post({ type: 'heap', bytes: getHeapStatistics().total_heap_size });
setInterval(reportHeap, 1_000).unref();
reportHeap();

async function loadModule(path: string): Promise<Record<string, unknown>> {
  try {
    // require, not import(): it goes through the require hook that tsx registers for TypeScript sources.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(path) as Record<string, unknown>;
  } catch (error) {
    // An ES module: only `import()` loads it (Node 20.19+ requires an ES module, except one with
    // top-level await).
    const code = (error as { code?: string }).code;
    if (code !== 'ERR_REQUIRE_ESM' && code !== 'ERR_REQUIRE_ASYNC_MODULE') throw error;
    return (await import(path.startsWith('file:') ? path : pathToFileURL(path).href)) as Record<string, unknown>;
  }
}

async function makeSink(spec: ThreadedSinkSpec): Promise<Sink<unknown>> {
  const exports = await loadModule(spec.module);
  const factory = exports[spec.factory];
  if (typeof factory !== 'function') {
    const functions = Object.keys(exports).filter((name) => typeof exports[name] === 'function');
    throw new Error(`${spec.module} has no function '${spec.factory}' to make the sink (its functions: ${functions.join(', ') || 'none'})`);
  }
  const sink = (await (factory as (args: unknown) => unknown)(spec.args)) as Sink<unknown> | undefined;
  if (typeof sink?.open !== 'function') throw new Error(`${spec.module}#${spec.factory} returned no sink (an object with kind, target and open)`);
  return sink;
}

/**
 * Starts `call` now, while its message is handled (so a flush starts before any write posted after
 * it is applied), and replies to request `id` when it settles.
 */
function reply(id: number, call: () => Promise<OpenedSink | void> | undefined): void {
  let started: Promise<OpenedSink | void>;
  try {
    started = Promise.resolve(call());
  } catch (error) {
    started = Promise.reject(error);
  }
  started.then(
      (result) => post(result ? { type: 'done', id, result } : { type: 'done', id }),
      (error: unknown) => post({ type: 'failed', id, error: toThreadError(error) }),
    );
}

/** The sink a request is for, unless it is broken: then the request fails with why. */
function usable(id: number, sink: number): SinkWriter<unknown> | undefined {
  const entry = hosted.get(sink);
  if (entry === undefined) {
    post({ type: 'failed', id, error: toThreadError(new Error(`no sink ${sink} in this thread`)) });
    return undefined;
  }
  if (entry.broken !== undefined) {
    post({ type: 'failed', id, error: toThreadError(entry.broken) });
    return undefined;
  }
  return entry.writer;
}

port.on('message', (request: SinkRequest) => {
  switch (request.type) {
    case 'open':
      return reply(request.id, async () => {
        const sink = await makeSink(request.spec);
        const logger = forwardingLogger(post, request.sink);
        const writer = await sink.open({ applicationId: request.applicationId, nodeName: request.nodeName, logger });
        hosted.set(request.sink, { writer });
        return { kind: sink.kind, target: sink.target, committed: writer.committed !== undefined, recover: writer.recover !== undefined };
      });
    case 'write': {
      const entry = hosted.get(request.sink);
      if (entry === undefined || entry.broken !== undefined) return;
      try {
        entry.writer.write(unpackBatch(request.batch));
      } catch (error) {
        entry.broken = error;
        post({ type: 'broken', sink: request.sink, error: toThreadError(error) });
      }
      return;
    }
    case 'flush': {
      const writer = usable(request.id, request.sink);
      return writer && reply(request.id, () => writer.flush(request.commit));
    }
    case 'committed': {
      const writer = usable(request.id, request.sink);
      return writer && reply(request.id, () => writer.committed?.(request.commit));
    }
    case 'recover': {
      const writer = usable(request.id, request.sink);
      return writer && reply(request.id, () => writer.recover?.(request.positions));
    }
    case 'close':
      return reply(request.id, async () => {
        const entry = hosted.get(request.sink);
        hosted.delete(request.sink);
        try {
          await entry?.writer.close();
        } catch (error) {
          // A broken sink's close may fail too; the failure that matters was reported already.
          if (entry?.broken === undefined) throw error;
        }
      });
  }
});
