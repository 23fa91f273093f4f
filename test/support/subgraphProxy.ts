import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An HTTP proxy between the router and a real subgraph, for faults the subgraph itself cannot be
 * made to show on demand: it counts the requests it receives and can hold them (a subgraph that
 * takes its time) until released. Point the router's SUBGRAPH_<NAME>_URL at `url`, then set
 * `target` to the subgraph's URL once it runs.
 */
export interface SubgraphProxy {
  readonly url: string;
  target: string;
  /** Requests received so far (held or not). */
  readonly requests: number;
  /** Resolves once `count` requests have been received in all. */
  untilRequests(count: number): Promise<void>;
  /** Requests from now on wait until release(). */
  hold(): void;
  /** Forwards every held request, and stops holding. */
  release(): void;
  close(): Promise<void>;
}

const HOP_BY_HOP = new Set(['host', 'connection', 'keep-alive', 'content-length', 'transfer-encoding']);

export async function startSubgraphProxy(): Promise<SubgraphProxy> {
  let requests = 0;
  let holding = false;
  let held: (() => void)[] = [];
  const watchers: { count: number; resolve: () => void }[] = [];
  let target = '';

  const forward = async (req: IncomingMessage, body: Buffer, res: ServerResponse) => {
    try {
      const answer = await fetch(target, {
        method: req.method,
        headers: Object.fromEntries(
          Object.entries(req.headers).filter(
            (entry): entry is [string, string] => typeof entry[1] === 'string' && !HOP_BY_HOP.has(entry[0]),
          ),
        ),
        body: req.method === 'GET' ? undefined : body,
      });
      res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' });
      res.end(Buffer.from(await answer.arrayBuffer()));
    } catch {
      res.destroy();
    }
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      requests += 1;
      for (const watcher of watchers.filter((each) => requests >= each.count)) {
        watchers.splice(watchers.indexOf(watcher), 1);
        watcher.resolve();
      }
      const send = () => void forward(req, Buffer.concat(chunks), res);
      if (holding) held.push(send);
      else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const release = () => {
    holding = false;
    const waiting = held;
    held = [];
    for (const send of waiting) send();
  };
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    get target() {
      return target;
    },
    set target(url: string) {
      target = url;
    },
    get requests() {
      return requests;
    },
    untilRequests(count) {
      if (requests >= count) return Promise.resolve();
      return new Promise((resolve) => watchers.push({ count, resolve }));
    },
    hold() {
      holding = true;
    },
    release,
    async close() {
      release();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
