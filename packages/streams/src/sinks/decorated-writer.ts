import type { SinkWriter } from './sink';

/** What a decorator replaces of a writer; its other calls go to the writer as they are. */
type WriterOverrides<T> = Partial<Pick<SinkWriter<T>, 'write' | 'flush' | 'close'>>;

/**
 * `inner`, with some of its calls replaced. Every call is forwarded by hand, not spread: a writer
 * may be a class instance, whose methods a spread would lose (and `buffered` is read live).
 * @example decoratedWriter(writer, { close: async () => { await writer.close(); await db.destroy(); } })
 */
export function decoratedWriter<T>(inner: SinkWriter<T>, overrides: WriterOverrides<T>): SinkWriter<T> {
  return {
    write: overrides.write ?? ((records) => inner.write(records)),
    flush: overrides.flush ?? ((commit) => inner.flush(commit)),
    ...(inner.committed ? { committed: (commit) => inner.committed!(commit) } : {}),
    ...(inner.recover ? { recover: (positions) => inner.recover!(positions) } : {}),
    get buffered() {
      return inner.buffered;
    },
    close: overrides.close ?? (() => inner.close()),
  };
}
