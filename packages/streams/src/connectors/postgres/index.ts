/**
 * `@pipeline/streams/postgres`: the PostgreSQL sink. Loads `kysely` and `pg` (optional peer
 * dependencies of the package), which is why it is not part of the core entry point.
 * @packageDocumentation
 */
import './peer-dependencies';
export { postgresSink, type PostgresSinkOptions, type OnlyColumns } from './postgres-sink';
export { createPostgresDb, type PostgresDbOptions } from './create-db';
export { waitForDatabase, type WaitForDatabaseOptions } from './wait-for-database';
export type { RetryOptions } from './retry';
