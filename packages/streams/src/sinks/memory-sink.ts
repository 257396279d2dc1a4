import type { Sink, SinkRecord } from './sink';

/** A sink that keeps what it was given in memory: for examples, tests and debugging. */
export interface MemorySink<T> extends Sink<T> {
  /** Records flushed so far, in order (a replay after a crash appends them again). */
  readonly records: readonly SinkRecord<T>[];
  /** The values of `records`. */
  values(): T[];
}

/**
 * @example
 * const results = memorySink<WindowResult<string, number>>();
 * events.groupBy((e) => e.page_url).window(tumbling('1m')).aggregate(count()).to(results);
 */
export function memorySink<T>(name = 'memory'): MemorySink<T> {
  const records: SinkRecord<T>[] = [];
  return {
    kind: 'memory',
    target: name,
    records,
    values: () => records.map((r) => r.value),
    async open() {
      let pending: SinkRecord<T>[] = [];
      return {
        write: (batch) => {
          pending.push(...batch);
        },
        get buffered() {
          return pending.length;
        },
        flush: async () => {
          records.push(...pending);
          pending = [];
        },
        close: async () => {},
      };
    },
  };
}
