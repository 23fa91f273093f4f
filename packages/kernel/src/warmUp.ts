import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { Connection } from 'mongoose';
import { request } from 'undici';
import type { Broker } from './events/nats';
import type { InternalEndpoint, InternalHandler } from './http/internalRoutes';
import { mountInternalHandlers } from './http/internalRoutes';
import type { Identity } from './identity';
import { IDENTITY_HEADER, InternalTokens } from './internalToken';
import type { Logger } from './logger';
import { ServiceClient } from './serviceClient';

/**
 * What a service sends itself at start, before it reports ready, so that the first real burst
 * does not pay for the code's first use. Cold, the first burst after a start cost 19.9-22.5 ms of
 * CPU per answer against 15.5-16.4 warm (README, "The first burst after a start"): V8 compiling
 * and tiering up the booking path, mongoose and the driver building their first documents and
 * commands. The requests go to a scratch copy of the service (see startSubgraph): the same
 * composition built on a scratch database of its own, served on a loopback port of its own, with
 * an outbox relay that never runs and stand-ins for the other services it calls.
 */
export interface WarmUp {
  /**
   * Endpoints of other services the scratch copy calls, answered here by stand-ins: the warm-up
   * never reaches another service (which would write to its real database, or charge a card).
   */
  readonly standIns?: readonly InternalHandler[];
  /** Sends the scratch copy what real requests bring; stops early once `signal` aborts (the cap). */
  run(scratch: ScratchClient, signal: AbortSignal): Promise<void>;
}

/** A GraphQL answer as the scratch copy gives it. */
export interface ScratchAnswer<Data> {
  readonly data?: Data | null;
  readonly errors?: readonly { readonly message: string; readonly extensions?: { readonly code?: string } }[];
}

/** Requests to the scratch copy, as the router and other services send them. */
export interface ScratchClient {
  /** A GraphQL operation as `identity`, through /graphql; the answer's `errors` are returned, not thrown. */
  graphql<Data>(query: string, variables: Record<string, unknown>, identity: Identity): Promise<ScratchAnswer<Data>>;
  /** An internal endpoint of this service, as another service calls it. */
  call<Request, Response>(endpoint: InternalEndpoint<Request, Response>, request: Request): Promise<Response>;
}

/** Where the scratch copy's calls to a service without a stand-in go: a closed port, never a real service. */
const NOWHERE = 'http://127.0.0.1:9/graphql';
const PEER_URL_VARIABLE = /^SUBGRAPH_([A-Z]+)_URL$/;
const CALL_TIMEOUT_MS = 5_000;

/**
 * The database the scratch copy writes to: beside the service's own, dropped after the warm-up.
 * One name per service, not per process, so a process killed mid-warm-up leaves at most one behind,
 * which the next start drops. Replicas starting together share it: one's drop can pull it from
 * under another's warm-up, which may then fail (logged); that replica is ready all the same, less warm.
 */
export function scratchDatabaseName(databaseName: string): string {
  return `${databaseName}_warmup`;
}

/**
 * The scratch copy's configuration: every peer URL (`SUBGRAPH_<NAME>_URL`) points at that peer's
 * stand-in, or at a closed port when it has none, so no call of the warm-up reaches a real service.
 */
export function scratchConfig<Config extends object>(config: Config, standIns: ReadonlyMap<string, string>): Config {
  const peers = Object.keys(config).filter((key) => PEER_URL_VARIABLE.test(key));
  const rewritten = peers.map((key): [string, string] => {
    const service = PEER_URL_VARIABLE.exec(key)![1].toLowerCase();
    return [key, standIns.get(service) ?? NOWHERE];
  });
  return { ...config, ...(Object.fromEntries(rewritten) as Partial<Config>) };
}

/** A broker for the scratch copy: its relay never runs and it has no consumers, so nothing may touch it. */
export const NO_BROKER: Broker = {
  get connection(): never {
    throw new Error('the warm-up publishes and consumes nothing');
  },
  get jetstream(): never {
    throw new Error('the warm-up publishes and consumes nothing');
  },
  get manager(): never {
    throw new Error('the warm-up publishes and consumes nothing');
  },
  isConnected: () => false,
  close: async () => {},
};

/** Serves each stand-in's endpoints on a loopback port of its own (a token is addressed to one service). */
export async function serveStandIns(
  handlers: readonly InternalHandler[],
  secret: string,
  log: Logger,
): Promise<{ readonly urls: ReadonlyMap<string, string>; close(): Promise<void> }> {
  const byService = new Map<string, InternalHandler[]>();
  for (const handler of handlers) {
    byService.set(handler.endpoint.service, [...(byService.get(handler.endpoint.service) ?? []), handler]);
  }
  const servers: Server[] = [];
  const urls = new Map<string, string>();
  for (const [service, served] of byService) {
    const app = express();
    mountInternalHandlers(app, served, new InternalTokens(secret, service), log);
    const server = createServer(app);
    servers.push(server);
    urls.set(service, `http://127.0.0.1:${await listenOnLoopback(server)}/graphql`);
  }
  return { urls, close: () => Promise.all(servers.map(closeServer)).then(() => undefined) };
}

export function scratchClient(name: string, url: string, tokens: InternalTokens): ScratchClient {
  const services = new ServiceClient(name, tokens);
  return {
    async graphql<Data>(query: string, variables: Record<string, unknown>, identity: Identity) {
      const response = await request(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [IDENTITY_HEADER]: await tokens.sign(identity, name) },
        body: JSON.stringify({ query, variables }),
        signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
      });
      return (await response.body.json()) as ScratchAnswer<Data>;
    },
    call: (endpoint, body) => services.call(url, endpoint, body, CALL_TIMEOUT_MS),
  };
}

/** Runs `warmUp` until it is done or `capMs` has passed, whichever is first; a failure is logged, never thrown. */
export async function runCapped(
  warmUp: (signal: AbortSignal) => Promise<void>,
  capMs: number,
  log: Logger,
): Promise<'done' | 'capped' | 'failed'> {
  const cap = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const capped = new Promise<'capped'>((resolve) => {
    timer = setTimeout(() => {
      cap.abort();
      resolve('capped');
      log.warn({ capMs }, 'warm-up cut short at its cap; ready all the same');
    }, capMs);
  });
  const run = warmUp(cap.signal).then(
    () => 'done' as const,
    (error: unknown) => {
      // After the cap, its requests fail as its scratch copy closes: no news.
      if (!cap.signal.aborted) log.warn({ err: error }, 'warm-up failed; ready all the same');
      return 'failed' as const;
    },
  );
  try {
    return await Promise.race([run, capped]);
  } finally {
    clearTimeout(timer);
  }
}

/** The scratch database, dropped; a failure (the server gone meanwhile) is logged. */
export async function dropScratch(database: Connection, log: Logger): Promise<void> {
  await database.dropDatabase().catch((error: unknown) => log.warn({ err: error }, 'warm-up database not dropped'));
}

export function listenOnLoopback(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}
