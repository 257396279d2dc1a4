/**
 * Run by upsert.test.ts in a process of its own, with `TZ` set (jest's workers cannot change
 * their time zone): writes rows with a Date into a `timestamp` (without time zone) column and
 * bytes into `bytea` through the sink, a plain pg insert of the same values beside them, then
 * retracts one row. `SCRATCH_URL`: the test's scratch schema, which holds `blobs`.
 */
import pg from 'pg';
import { silentLogger } from '../../../src';
import { createPostgresDb, postgresSink } from '../../../src/connectors/postgres';

type Blob = { id: string; body: Uint8Array; at: Date };
const T0 = Date.UTC(2024, 0, 1, 12, 0, 0);

async function main(): Promise<void> {
  const url = process.env.SCRATCH_URL!;
  const db = createPostgresDb<{ blobs: Blob }>(url, { max: 2 });
  const sink = postgresSink<{ blobs: Blob }, 'blobs', Blob>({ db, table: 'blobs', key: ['id'], row: (b: Blob) => b });
  const writer = await sink.open({ applicationId: 'write-in-zone', nodeName: 'to-1', logger: silentLogger });
  // A Uint8Array, not a Buffer: what a Buffer becomes on its way into a sink thread.
  const blob = (id: string, retract = false) => ({
    value: { id, body: new Uint8Array([1, 2, 3]), at: new Date(T0) },
    timestamp: T0,
    origin: { topic: 'events', partition: 0, offset: -1, watermark: T0 },
    ...(retract ? { retract: true } : {}),
  });
  writer.write([blob('a'), blob('b')]);
  await writer.flush({ id: 1, offsets: [] });
  const plain = new pg.Client({ connectionString: url });
  await plain.connect();
  await plain.query(`insert into blobs values ('plain', $1, $2)`, [Buffer.from([1, 2, 3]), new Date(T0)]);
  await plain.end();
  writer.write([blob('a', true)]);
  await writer.flush({ id: 2, offsets: [] });
  await writer.close();
  await db.destroy();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
