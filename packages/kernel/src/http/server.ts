import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Express } from 'express';
import type { Logger } from '../logger';
import type { ServiceMetrics } from './metrics';

const KNOWN_ROUTES = new Set(['/graphql', '/health/live', '/health/ready', '/metrics']);

export type ReadinessCheck = () => boolean | Promise<boolean>;

/** An express app with the endpoints every service has: /health/live, /health/ready, /metrics. */
export function createServiceApp(metrics: ServiceMetrics, isReady: ReadinessCheck): Express {
  const app = express();
  app.disable('x-powered-by');
  // No ETag: express's send would hash every answer for one (a subgraph's callers, the router and
  // other services, never revalidate a POST), and a GraphQL answer is never served from a cache.
  app.set('etag', false);
  app.use((req, res, next) => {
    const stop = metrics.httpRequests.startTimer({ method: req.method });
    // Only known paths become labels, so random URLs cannot blow up the metric's cardinality.
    const route = KNOWN_ROUTES.has(req.path) ? req.path : 'other';
    res.on('finish', () => stop({ route, status: String(res.statusCode) }));
    next();
  });
  app.get('/health/live', (_req, res) => {
    res.json({ status: 'live' });
  });
  app.get('/health/ready', async (_req, res) => {
    const ready = await Promise.resolve(isReady()).catch(() => false);
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready' });
  });
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  return app;
}

export interface ListeningServer {
  readonly server: Server;
  readonly port: number;
  close(): Promise<void>;
}

/** Listens on `host`, or on every interface when none is given. */
export async function listen(
  server: Server,
  app: Express,
  port: number,
  log: Logger,
  host?: string,
): Promise<ListeningServer> {
  server.on('request', app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const { address, port: actualPort } = server.address() as AddressInfo;
  log.info({ address, port: actualPort }, 'listening');
  return {
    server,
    port: actualPort,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
