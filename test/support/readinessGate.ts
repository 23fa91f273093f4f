import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** What one poll of an instance's /health/ready found. */
export type Readiness = 'ready' | 'not-ready' | 'unreachable';

interface Instance {
  readonly name: string;
  readonly baseUrl: string;
  /** What the balancer acts on: only a `ready` instance is chosen. */
  current: Readiness;
  /** Probes failed in a row; a ready instance leaves rotation at `failureThreshold`. */
  failures: number;
  /** Each change of readiness, in the order seen. */
  readonly seen: Readiness[];
}

export interface ProbeSettings {
  /** Failed probes in a row that take a ready instance out of rotation, as the manifests' `failureThreshold`. */
  readonly failureThreshold: number;
  /** A probe not answered within this is a failed one (`timeoutSeconds`). */
  readonly timeoutMs: number;
}

/**
 * The instances of one service as a rolling update with readiness gating sees them (Kubernetes'
 * endpoints of a Service): each is polled on /health/ready every `intervalMs`; one answer of 200
 * puts an instance in rotation, `failureThreshold` failed probes in a row take it out, as the
 * kubelet does with deploy/kubernetes' probes (a single probe lost to a busy machine does not).
 * An instance that was ready when chosen must serve the request: that is what a drain delay
 * longer than the probes' reaction promises.
 */
export class ReadinessGatedPool {
  private readonly instances = new Map<string, Instance>();
  private next = 0;
  private polling: Promise<void> | undefined;
  private running = false;

  constructor(
    private readonly intervalMs = 100,
    private readonly probes: ProbeSettings = { failureThreshold: 2, timeoutMs: 1_000 },
  ) {}

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
    this.instances.set(name, { name, baseUrl, current: 'unreachable', failures: 0, seen: [] });
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

  /** The changes of an instance's readiness as the balancer acted on them, e.g. ready, not-ready, unreachable. */
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
    const found = await probe(`${instance.baseUrl}/health/ready`, this.probes.timeoutMs);
    instance.failures = found === 'ready' ? 0 : instance.failures + 1;
    const inRotation = instance.current === 'ready';
    const readiness = inRotation && instance.failures < this.probes.failureThreshold ? 'ready' : found;
    if (readiness !== instance.current || instance.seen.length === 0) instance.seen.push(readiness);
    instance.current = readiness;
  }
}

function probe(url: string, timeoutMs: number): Promise<Readiness> {
  return new Promise((resolve) => {
    const request = http.get(url, { agent: false, timeout: timeoutMs }, (response) => {
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
