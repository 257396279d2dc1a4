import type { CommitInfo, Sink, SinkRecord } from '@pipeline/streams';

/** A sink that drops everything: a stage measured without any output cost. */
export function nullSink<T>(): Sink<T> {
  return {
    kind: 'null',
    target: 'nowhere',
    open: async () => ({
      write: () => {},
      flush: async () => {},
      close: async () => {},
    }),
  };
}

/** A sink that keeps what each commit flushed: the batches a real sink would have written. */
export interface CaptureSink<T> extends Sink<T> {
  /** One entry per flush (per engine commit), in order. */
  readonly batches: ReadonlyArray<readonly SinkRecord<T>[]>;
  /** Records in all batches. */
  readonly records: number;
}

export function captureSink<T>(): CaptureSink<T> {
  const batches: SinkRecord<T>[][] = [];
  let current: SinkRecord<T>[] = [];
  let records = 0;
  return {
    kind: 'capture',
    target: 'memory',
    batches,
    get records() {
      return records;
    },
    open: async () => ({
      write: (rs: readonly SinkRecord<T>[]) => {
        for (const r of rs) current.push(r);
        records += rs.length;
      },
      flush: async (_commit: CommitInfo) => {
        if (current.length > 0) batches.push(current);
        current = [];
      },
      close: async () => {},
    }),
  };
}
