import { closingWith, type Sink } from '../../../src';
import { createPostgresDb, postgresSink, type RetryOptions } from '../../../src/connectors/postgres';
import type { Event } from '../../support/events';

// The sink of runtime-failures.test.ts: every event upserted into audit_events by its event time.
// Made from plain data, so the same sink runs in process or in a sink thread (loaded there).

export interface AuditDb {
  audit_events: { event_time: Date; user_id: string; page_url: string };
}

export interface AuditSinkArgs {
  readonly url: string;
  readonly retry: RetryOptions;
  /** Names its connections in pg_stat_activity, so a test can find and kill them. */
  readonly applicationName?: string;
}

/**
 * The sink on a pool of its own for each time it is opened, destroyed when it closes: a rebalance
 * closes the sinks and opens them again, so a pool made once would be gone by the second open.
 */
export function auditSink(args: AuditSinkArgs): Sink<Event> {
  return {
    kind: 'postgres',
    target: 'audit_events',
    open(context) {
      const db = createPostgresDb<AuditDb>(args.url, { max: 2, ...(args.applicationName ? { applicationName: args.applicationName } : {}) });
      const sink = postgresSink({
        db,
        table: 'audit_events',
        key: ['event_time'],
        retry: args.retry,
        row: (e: Event) => ({ event_time: new Date(e.event_time), user_id: e.user_id, page_url: e.page_url }),
      });
      return closingWith(sink, () => db.destroy()).open(context);
    },
  };
}
