import { decoratedWriter } from './decorated-writer';
import type { Sink } from './sink';

/**
 * The same sink, with `cleanup` run after its writer closes (even if that failed): for a sink
 * that owns what it writes through, such as a sink made in a sink thread with a pool of its own.
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
      let writer;
      try {
        writer = await sink.open(context);
      } catch (error) {
        await cleanup().catch((failure: unknown) => context.logger.warn('sink cleanup failed', { error: String(failure) }));
        throw error;
      }
      const inner = writer;
      return decoratedWriter(inner, {
        async close() {
          let closeFailure: unknown;
          try {
            await inner.close();
          } catch (error) {
            closeFailure = error;
          }
          // The close's own failure is the one to report; the cleanup's is logged then.
          if (closeFailure === undefined) return cleanup();
          await cleanup().catch((failure: unknown) => context.logger.warn('sink cleanup failed', { error: String(failure) }));
          throw closeFailure;
        },
      });
    },
  };
}
