import type { SinkWriter } from './sink';

/** What a decorator replaces of a writer: any of its calls; the others go to the writer as they are. */
export type WriterOverrides<T> = Partial<Pick<SinkWriter<T>, 'write' | 'flush' | 'committed' | 'recover' | 'close'>>;

/**
 * `inner`, with some of its calls replaced. Every call is forwarded by hand, not spread: a writer
 * may be a class instance, whose methods a spread would lose (and `buffered` is read live).
 * @example decoratedWriter(writer, { close: async () => { await writer.close(); await db.destroy(); } })
 */
export function decoratedWriter<T>(inner: SinkWriter<T>, overrides: WriterOverrides<T>): SinkWriter<T> {
  return {
    write: overrides.write ?? ((records) => inner.write(records)),
    flush: overrides.flush ?? ((commit) => inner.flush(commit)),
    ...(overrides.committed ? { committed: overrides.committed } : inner.committed ? { committed: (commit) => inner.committed!(commit) } : {}),
    ...(overrides.recover ? { recover: overrides.recover } : inner.recover ? { recover: (positions) => inner.recover!(positions) } : {}),
    get buffered() {
      return inner.buffered;
    },
    close: overrides.close ?? (() => inner.close()),
  };
}
