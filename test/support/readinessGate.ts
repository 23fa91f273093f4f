import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** What one poll of an instance's /health/ready found. */
export type Readiness = 'ready' | 'not-ready' | 'unreachable';

interface Instance {
  readonly name: string;
  readonly baseUrl: string;
  current: Readiness;
  /** Each change of readiness, in the order seen. */
  readonly seen: Readiness[];
}

/**
 * The instances of one service as a rolling update with readiness gating sees them (Kubernetes'
 * endpoints of a Service): each is polled on /health/ready every `intervalMs`, and only those whose
 * last answer was 200 are chosen. An instance that was ready when chosen must serve the request:
 * that is what a drain delay longer than the polling interval promises.
 */
export class ReadinessGatedPool {
  private readonly instances = new Map<string, Instance>();
  private next = 0;
  private polling: Promise<void> | undefined;
  private running = false;

  constructor(private readonly intervalMs = 100) {}

  start(): void {
    this.running = true;
    this.polling = (async () => {
      while (this.running) {
        await Promise.all([...this.instances.values()].map((instance) => this.poll(instance)));
        // The probe's period, as a kubelet's periodSeconds: this is the load balancer being modelled, not a test waiting.
        await sleep(this.intervalMs);
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.polling;
  }

  /** Joins as not ready; chosen once a poll finds it ready. */
  add(name: string, baseUrl: string): void {
    this.instances.set(name, { name, baseUrl, current: 'unreachable', seen: [] });
  }

  remove(name: string): void {
    this.instances.delete(name);
  }

  /** Resolves once a poll has found the instance ready (so it is being chosen). */
  async untilChosen(name: string, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.instances.get(name)?.current !== 'ready') {
      if (Date.now() > deadline) throw new Error(`${name} was not seen ready within ${timeoutMs} ms`);
      await sleep(this.intervalMs);
    }
  }

  /** The changes of readiness seen of an instance, e.g. ready, not-ready, unreachable. */
  seen(name: string): readonly Readiness[] {
    return this.instances.get(name)?.seen ?? [];
  }

  /** A ready instance, in turn; undefined when none is. */
  choose(): { readonly name: string; readonly baseUrl: string } | undefined {
    const ready = [...this.instances.values()].filter((instance) => instance.current === 'ready');
    if (ready.length === 0) return undefined;
    this.next = (this.next + 1) % ready.length;
    return ready[this.next];
  }

  private async poll(instance: Instance): Promise<void> {
    const readiness = await probe(`${instance.baseUrl}/health/ready`);
    if (readiness !== instance.current || instance.seen.length === 0) instance.seen.push(readiness);
    instance.current = readiness;
  }
}

function probe(url: string): Promise<Readiness> {
  return new Promise((resolve) => {
    const request = http.get(url, { agent: false, timeout: 1_000 }, (response) => {
      response.resume();
      resolve(response.statusCode === 200 ? 'ready' : 'not-ready');
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve('unreachable'));
  });
}

/** A request the balancer could not complete, or could not route. */
export interface BalancerFailure {
  readonly instance: string | null;
  readonly path: string;
  readonly error: string;
}

export interface Balancer {
  /** http://127.0.0.1:<port>: what the services are told the balanced service's address is. */
  readonly url: string;
  readonly failures: BalancerFailure[];
  close(): Promise<void>;
}

const HOP_BY_HOP = new Set(['host', 'connection', 'keep-alive', 'transfer-encoding', 'content-length', 'upgrade']);

/**
 * A load balancer in front of a pool (a Kubernetes Service, for HTTP): every request goes to an
 * instance the pool has seen ready. A request it could not deliver, or had nowhere to send, is
 * answered 502/503 and recorded.
 */
export async function startBalancer(pool: ReadinessGatedPool): Promise<Balancer> {
  const failures: BalancerFailure[] = [];
  const server = http.createServer((req, res) => {
    void (async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const path = req.url ?? '/';
      const target = pool.choose();
      if (!target) {
        failures.push({ instance: null, path, error: 'no ready instance' });
        res.writeHead(503).end();
        return;
      }
      try {
        const headers = Object.entries(req.headers).filter(
          (entry): entry is [string, string] => !HOP_BY_HOP.has(entry[0]) && typeof entry[1] === 'string',
        );
        const response = await fetch(`${target.baseUrl}${path}`, {
          method: req.method,
          headers,
          body: chunks.length > 0 ? Buffer.concat(chunks) : undefined,
        });
        const body = Buffer.from(await response.arrayBuffer());
        const responseHeaders: Record<string, string> = {};
        // fetch has decoded the body already.
        response.headers.forEach((value, key) => {
          if (!HOP_BY_HOP.has(key) && key !== 'content-encoding') responseHeaders[key] = value;
        });
        res.writeHead(response.status, responseHeaders).end(body);
      } catch (error) {
        failures.push({ instance: target.name, path, error: String((error as Error).cause ?? error) });
        res.writeHead(502).end();
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    failures,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
