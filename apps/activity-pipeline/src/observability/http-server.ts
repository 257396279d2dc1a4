import { createServer, type Server } from 'node:http';
import type { KafkaStreamsMetrics } from '@pipeline/streams/kafka';
import type { Registry } from 'prom-client';

/**
 * `/metrics` for Prometheus and `/health` for orchestrators: 200 while the runtime is starting,
 * rebalancing or running, 503 once it stopped or failed.
 */
export async function startHttpServer(port: number, registry: Registry, read: () => KafkaStreamsMetrics): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/metrics') {
      registry.metrics().then(
        (body) => res.writeHead(200, { 'content-type': registry.contentType }).end(body),
        (error: Error) => res.writeHead(500).end(error.message),
      );
      return;
    }
    if (path === '/health') {
      const m = read();
      const healthy = m.state === 'running' || m.state === 'rebalancing' || m.state === 'starting';
      res
        .writeHead(healthy ? 200 : 503, { 'content-type': 'application/json' })
        .end(JSON.stringify({ status: healthy ? 'ok' : 'unavailable', state: m.state, assigned: m.assigned, lag: m.lag }));
      return;
    }
    res.writeHead(404).end('not found: try /metrics or /health\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, resolve);
  });
  return server;
}
