import type { Sink, SinkContext, SinkWriter } from '@pipeline/streams';

/** A sink that measures the time spent in another sink's writer. */
export interface TimedSink<T> extends Sink<T> {
  /** Milliseconds spent in `write`, `flush`, `committed` and `close` (not `open` nor `recover`). */
  readonly ms: number;
  /** Records handed to `write`. */
  readonly records: number;
}

/**
 * Wraps `sink` so that the engine drives the real writer exactly as in the pipeline (same batches,
 * same flush per commit) while the time it takes is added up apart from the engine's own work.
 */
export function timedSink<T>(sink: Sink<T>): TimedSink<T> {
  let ms = 0;
  let records = 0;
  const timed = async <R>(fn: () => Promise<R>): Promise<R> => {
    const start = process.hrtime.bigint();
    try {
      return await fn();
    } finally {
      ms += Number(process.hrtime.bigint() - start) / 1e6;
    }
  };
  return {
    kind: sink.kind,
    target: sink.target,
    get ms() {
      return ms;
    },
    get records() {
      return records;
    },
    async open(context: SinkContext): Promise<SinkWriter<T>> {
      const writer = await sink.open(context);
      return {
        write(batch) {
          const start = process.hrtime.bigint();
          writer.write(batch);
          ms += Number(process.hrtime.bigint() - start) / 1e6;
          records += batch.length;
        },
        flush: (commit) => timed(() => writer.flush(commit)),
        committed: writer.committed ? (commit) => timed(() => writer.committed!(commit)) : undefined,
        recover: writer.recover ? (positions) => writer.recover!(positions) : undefined,
        get buffered() {
          return writer.buffered;
        },
        close: () => timed(() => writer.close()),
      };
    },
  };
}
