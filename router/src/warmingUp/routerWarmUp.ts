import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { createServer } from 'node:http';
import {
  closeServer,
  createErrorFormatter,
  hmacKey,
  listenOnLoopback,
  type InternalTokens,
  type Logger,
} from '@roombook/kernel';
import express from 'express';
import type { GraphQLSchema } from 'graphql';
import { SignJWT } from 'jose';
import { Registry } from 'prom-client';
import { Agent, request } from 'undici';
import { UserAuthenticator, callerOf, identifyCaller } from '../authentication';
import type { RouterConfig } from '../config';
import type { OperationPlans } from '../execution/operationPlans';
import { OperationMetrics } from '../operationMetrics';
import { graphqlHttpHandler } from '../pipeline/graphqlHttp';
import { OperationPipeline, type PipelineOptions } from '../pipeline/operationPipeline';
import { SubgraphClient, subgraphClientMetrics } from '../subgraphClient';
import { standInSubgraph } from './standInSubgraph';

/**
 * What the router sends itself before it reports ready, so that a first burst after a start does
 * not pay for the code's first use: cold, the router spent 490-750 ms of CPU on a first burst of
 * 150 bookings against 260-390 warm (README, "A warm-up before ready"): HMAC for the guests' tokens
 * and the identity tokens it signs, graphql's parse, validation and the cost walk, the planner,
 * its executor, undici's first requests and HTTP parser, its socket writes.
 *
 * The operations go through a scratch copy of the request path: the same authenticator (a token
 * signed here with JWT_SECRET, or with a throwaway key when tokens come from a JWKS), the same
 * supergraph and plan cache, limiter and authorization, served by the same HTTP handler on a
 * loopback port of its own; but its own metrics (the router's operation and subgraph metrics do
 * not count it), no rate limits or load shedding (it is no caller), and subgraph clients that all
 * point at one stand-in subgraph (see standInSubgraph.ts): no real subgraph is called, nothing
 * is booked, nothing reaches NATS.
 */
export interface RouterWarmUpParts {
  readonly config: RouterConfig;
  readonly authenticator: UserAuthenticator;
  readonly tokens: InternalTokens;
  readonly supergraph: () => { readonly apiSchema: GraphQLSchema; readonly plans: OperationPlans };
  /** The real clients' subgraph names: each gets a client of its own pointing at the stand-in. */
  readonly subgraphNames: readonly string[];
  /** The real pipeline's parts the scratch one shares. */
  readonly pipeline: WarmUpPipelineParts;
  readonly log: Logger;
}

export type WarmUpPipelineParts = Pick<PipelineOptions, 'limiter' | 'authorize' | 'maxDepth' | 'production'>;

/** Rounds of operations sent at once: a burst's shape (many connections, overlapping operations), small. */
const ROUNDS = 3;
const BOOKINGS_PER_ROUND = 30;
const READS_PER_ROUND = 6;

/**
 * The app's booking path as it sends it (client/src/guest: ReserveRoom, RoomsForStay, RoomPage),
 * on one line each. Plans are kept by the document's exact text, so what this warms is the code
 * (parse, validation, the cost walk, the planner, the executor), not any client's plan: a client's
 * first operation is planned on its first request, as any new operation is.
 */
export const WARM_UP_OPERATIONS = {
  reserve: `mutation ReserveRoom($input: ReserveRoomInput!) { reserveRoom(input: $input) { id status statusReason } }`,
  roomsForStay: `query RoomsForStay($filter: RoomFilter, $checkIn: Date!, $checkOut: Date!) { rooms(filter: $filter, first: 50) { totalCount edges { node { id name city capacity description pricePerNight { amount currency } averageRating reviewCount isAvailable(checkIn: $checkIn, checkOut: $checkOut) } } } }`,
  roomPage: `query RoomPage($id: ID!, $checkIn: Date!, $checkOut: Date!) { room(id: $id) { id name description city capacity status amenities pricePerNight { amount currency } averageRating reviewCount isAvailable(checkIn: $checkIn, checkOut: $checkOut) reviews(first: 20) { edges { node { id rating comment authorId createdAt } } } } }`,
};

/** Sends the scratch request path its operations; resolves with the stand-in's fetch count. Stops early once `signal` aborts. */
export async function warmUpRouter(parts: RouterWarmUpParts, signal: AbortSignal): Promise<{ fetches: number }> {
  const { config, log } = parts;
  const started = performance.now();
  const quiet = log.child({ warmUp: true }, { level: 'warn' });
  const registry = new Registry();
  const standIn = standInSubgraph(parts.supergraph().plans.supergraphSchema);
  const standInUrl = `http://127.0.0.1:${await listenOnLoopback(standIn.server)}/graphql`;
  const clientMetrics = subgraphClientMetrics(registry);
  const clients = new Map(
    parts.subgraphNames.map((name) => [
      name,
      new SubgraphClient(
        name,
        standInUrl,
        clientMetrics,
        config.MERGE_INFLIGHT_FETCHES,
        parts.tokens,
        config.SUBGRAPH_TIMEOUT_MS,
      ),
    ]),
  );
  const pipeline = new OperationPipeline({
    ...parts.pipeline,
    supergraph: parts.supergraph,
    clients,
    metrics: new OperationMetrics(registry),
    formatError: createErrorFormatter(quiet, !parts.pipeline.production),
    log: quiet,
  });
  // The real verification when the key is ours to sign with; a JWKS's keys are not, so a throwaway one.
  const secret = config.JWT_JWKS_URL ? randomBytes(32).toString('hex') : config.JWT_SECRET;
  const authenticator = config.JWT_JWKS_URL ? new UserAuthenticator({ secret }) : parts.authenticator;
  const app = express();
  app.set('etag', false);
  app.use(
    '/graphql',
    express.json({ limit: config.MAX_BODY_BYTES }),
    identifyCaller(authenticator),
    graphqlHttpHandler({ pipeline, identify: (req) => callerOf(req, authenticator), landingPage: undefined }),
  );
  const server = createServer(app);
  const url = `http://127.0.0.1:${await listenOnLoopback(server)}/graphql`;
  const guests = new Agent({ connections: null, pipelining: 1 });
  let errors = 0;
  // Every request of a round listens to `signal` at once: more than Node's default of 10 is expected.
  setMaxListeners(BOOKINGS_PER_ROUND + READS_PER_ROUND, signal);
  try {
    const key = await hmacKey(secret);
    for (let round = 0; round < ROUNDS && !signal.aborted; round += 1) {
      const sent = [
        ...Array.from({ length: BOOKINGS_PER_ROUND }, (_, index) => ({
          query: WARM_UP_OPERATIONS.reserve,
          variables: {
            input: {
              roomId: `warm-up-${index % 3}`,
              checkIn: '2030-01-01',
              checkOut: '2030-01-03',
              guests: 1,
              paymentMethod: { token: 'tok_visa' },
            },
          },
        })),
        ...Array.from({ length: READS_PER_ROUND }, (_, index) =>
          index % 2 === 0
            ? { query: WARM_UP_OPERATIONS.roomsForStay, variables: { checkIn: '2030-01-01', checkOut: '2030-01-03' } }
            : {
                query: WARM_UP_OPERATIONS.roomPage,
                variables: { id: 'warm-up-0', checkIn: '2030-01-01', checkOut: '2030-01-03' },
              },
        ),
      ];
      await Promise.all(
        sent.map(async (operation, index) => {
          // One guest each, as a burst brings them: each token is signed and verified afresh.
          const token = await new SignJWT({ roles: ['GUEST'] })
            .setProtectedHeader({ alg: 'HS256' })
            .setSubject(`warm-up-${round}-${index}`)
            .setIssuedAt()
            .setExpirationTime('1m')
            .sign(key);
          const response = await request(url, {
            dispatcher: guests,
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
            body: JSON.stringify(operation),
            signal,
          });
          // Counted for its log line: a plan that goes wrong against the stand-in shows there.
          const answer = (await response.body.json()) as { errors?: unknown[] };
          errors += answer.errors?.length ?? 0;
        }),
      );
    }
  } finally {
    await guests.close();
    await closeServer(server);
    await Promise.all([...clients.values()].map((client) => client.close()));
    await closeServer(standIn.server);
  }
  log.info(
    { ms: Math.round(performance.now() - started), capped: signal.aborted, fetches: standIn.fetches(), errors },
    'warmed up',
  );
  return { fetches: standIn.fetches() };
}
