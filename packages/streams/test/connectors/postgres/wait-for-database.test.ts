import net from 'node:net';
import { waitForDatabase } from '../../../src/connectors/postgres';
import { recordingLogger } from '../../support/recording-logger';
import { DATABASE_URL } from './scratch-db';
import { tcpProxy } from './tcp-proxy';

// An app checks its database at start to name its own setting when it cannot be reached. A
// database that is still starting (containers, a failover) must not stop the app: transient
// failures are tried again, as a sink's open does; a wrong database name is final at once.

const server = new URL(DATABASE_URL);
const through = (port: number, database = server.pathname.slice(1)) => `postgres://${server.username}@127.0.0.1:${port}/${database}`;
const quick = { attempts: 30, initialDelayMs: 50, maxDelayMs: 100 };

it('resolves when the database answers', async () => {
  await expect(waitForDatabase(DATABASE_URL)).resolves.toBeUndefined();
});

it('waits for a database that comes up while it tries again', async () => {
  const proxy = await tcpProxy({ host: server.hostname, port: Number(server.port || 5432) });
  await proxy.down();
  const { logger, lines } = recordingLogger();
  try {
    const waiting = waitForDatabase(through(proxy.port), { retry: quick, logger });
    await new Promise((resolve) => setTimeout(resolve, 400));
    await proxy.up();
    await expect(waiting).resolves.toBeUndefined();
    const retries = lines.filter((l) => l.message === 'postgres: connect failed, retrying');
    expect(retries.length).toBeGreaterThan(0);
    expect(retries[0]!.fields.error).toBe(`connection refused to 127.0.0.1:${proxy.port} (ECONNREFUSED)`);
  } finally {
    await proxy.down();
  }
});

it('gives up after its attempts on a database that stays unreachable, saying why', async () => {
  const proxy = await tcpProxy({ host: server.hostname, port: Number(server.port || 5432) });
  await proxy.down();
  await expect(waitForDatabase(through(proxy.port), { retry: { attempts: 3, initialDelayMs: 10, maxDelayMs: 10 } })).rejects.toThrow(
    `postgres: connect failed after 3 attempts: connection refused to 127.0.0.1:${proxy.port} (ECONNREFUSED)`,
  );
});

it('rejects a database that does not exist at once, without trying again', async () => {
  const { logger, lines } = recordingLogger();
  const started = Date.now();
  await expect(waitForDatabase(through(Number(server.port || 5432), 'no_such_database_for_wait_test'), { retry: { attempts: 8, initialDelayMs: 5_000 }, logger })).rejects.toThrow(
    'postgres: database "no_such_database_for_wait_test" does not exist (3D000)',
  );
  expect(lines).toEqual([]);
  expect(Date.now() - started).toBeLessThan(4_000);
});

it('tries again a server that takes the connection and never answers (a host in a failover), each try bounded by connectTimeoutMs', async () => {
  const sockets = new Set<net.Socket>();
  const silent = net.createServer((socket) => void sockets.add(socket));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const { port } = silent.address() as net.AddressInfo;
  const { logger, lines } = recordingLogger();
  try {
    await expect(waitForDatabase(through(port), { connectTimeoutMs: 200, retry: { attempts: 3, initialDelayMs: 10, maxDelayMs: 10 }, logger })).rejects.toThrow(
      'postgres: connect failed after 3 attempts: connection timed out (ETIMEDOUT)',
    );
    expect(lines.filter((l) => l.message === 'postgres: connect failed, retrying')).toHaveLength(2);
  } finally {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
  }
});
