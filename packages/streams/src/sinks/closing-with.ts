import { decoratedWriter } from './decorated-writer';
import type { Sink, SinkWriter } from './sink';

/**
 * The same sink, with `cleanup` run after its writer closes (even if that failed): for a sink
 * that owns what it writes through, such as a sink made in a sink thread with a pool of its own.
 * A sink is opened again after each rebalance and each rejoin of the group: in a sink thread the
 * factory runs for each open, so each writer gets a pool of its own; in process, the same `sink`
 * object is opened again, and a pool the first close destroyed is gone. Use it in a sink thread,
 * or make what it cleans up inside `open`.
 *
 * @example
 * export function sessionsSink(databaseUrl: string) {
 *   const db = createPostgresDb<Database>(databaseUrl, { max: 2 });
 *   return closingWith(postgresSink({ db, table: 'user_sessions', key: ['user_id'], row }), () => db.destroy());
 * }
 */
export function closingWith<T>(sink: Sink<T>, cleanup: () => Promise<void>): Sink<T> {
  return {
    kind: sink.kind,
    target: sink.target,
    async open(context) {
      // After a failure (of the open or the close), the one to report: the cleanup's is logged.
      const cleanupQuietly = () => cleanup().catch((failure: unknown) => context.logger.warn('sink cleanup failed', { error: String(failure) }));
      let inner: SinkWriter<T>;
      try {
        inner = await sink.open(context);
      } catch (error) {
        await cleanupQuietly();
        throw error;
      }
      return decoratedWriter(inner, {
        async close() {
          try {
            await inner.close();
          } catch (error) {
            await cleanupQuietly();
            throw error;
          }
          await cleanup();
        },
      });
    },
  };
}
