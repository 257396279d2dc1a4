import net from 'node:net';

/**
 * A TCP relay to PostgreSQL that a test can take down and bring back on the same port: "the
 * database is unreachable" without touching the server other tests use.
 */
export interface TcpProxy {
  readonly port: number;
  /** Stops listening and cuts every relayed connection: the port refuses connections. */
  down(): Promise<void>;
  /** Listens again on the same port. */
  up(): Promise<void>;
  /**
   * The next time a client sends `text`, relays it, then cuts the connection instead of relaying
   * the server's reply: the statement ran, the client cannot know (e.g. a COMMIT that went through).
   */
  loseReplyTo(text: string): void;
  /**
   * The next time a client sends `text`, cuts the connection without relaying it: the statement
   * never ran, and the client cannot know either (e.g. a COMMIT lost on its way: rolled back).
   */
  cutBefore(text: string): void;
}

export async function tcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  let trap: string | undefined;
  let cut: string | undefined;
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {}); // the other side's close does the cleanup
    }
    let sprung = false;
    client.on('data', (chunk: Buffer) => {
      if (cut !== undefined && chunk.includes(cut)) {
        cut = undefined;
        client.destroy();
        upstream.destroy();
        return;
      }
      if (trap !== undefined && chunk.includes(trap)) {
        trap = undefined;
        sprung = true;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (sprung) {
        client.destroy();
        upstream.destroy();
      } else client.write(chunk);
    });
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  const listen = (port: number) => new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', () => resolve()));
  await listen(0);
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    async down() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.destroy();
      await closed;
    },
    up: () => listen(port),
    loseReplyTo(text) {
      trap = text;
    },
    cutBefore(text) {
      cut = text;
    },
  };
}
