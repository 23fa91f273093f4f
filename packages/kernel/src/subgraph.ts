import { createServer, type Server } from 'node:http';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import express, { type Express } from 'express';
import { GraphQLError, type DocumentNode } from 'graphql';
import type { Connection } from 'mongoose';
import { AggregateLock } from './aggregates/aggregateLock';
import { setTimeout as delay } from 'node:timers/promises';
import {
  DEV_SUBGRAPH_SECRET,
  assertProductionSecrets,
  databaseName,
  drainDelayMs,
  type SubgraphConfig,
} from './config';
import { connectDatabase, isDatabaseConnected } from './database';
import { EventConsumer, type ConsumerSpec } from './events/consumer';
import { connectBroker, type Broker } from './events/nats';
import { OutboxRelay } from './events/outbox';
import { createErrorFormatter } from './graphql/errorMapping';
import { subgraphSchema } from './graphql/subgraphSchema';
import { mountInternalHandlers, type InternalHandler } from './http/internalRoutes';
import { createServiceApp, listen } from './http/server';
import { createMetrics, type ServiceMetrics } from './http/metrics';
import {
  NO_BROKER,
  closeServer,
  dropScratch,
  listenOnLoopback,
  runCapped,
  scratchClient,
  scratchConfig,
  scratchDatabaseName,
  serveStandIns,
  type WarmUp,
} from './warmUp';
import type { Identity } from './identity';
import { IDENTITY_HEADER, InternalTokens, InvalidInternalToken } from './internalToken';
import { createLogger, type Logger } from './logger';

export interface RequestContext {
  readonly identity: Identity;
  readonly log: Logger;
}

/** What a subgraph's composition root receives to build its repositories, resolvers and handlers. */
export interface SubgraphInfrastructure<Config extends SubgraphConfig = SubgraphConfig> {
  readonly name: string;
  /** Read it here, not from the composition root's closure: the warm-up's copy gets its peers' stand-ins (see warmUp.ts). */
  readonly config: Config;
  readonly log: Logger;
  readonly database: Connection;
  readonly broker: Broker;
  readonly outbox: OutboxRelay;
  /** Take it around every read-decide-write of an aggregate (see AggregateLock). */
  readonly aggregateLock: AggregateLock;
  readonly tokens: InternalTokens;
  readonly metrics: ServiceMetrics;
}

export interface SubgraphParts {
  readonly typeDefs: DocumentNode;
  readonly resolvers: GraphQLResolverMap<RequestContext>;
  readonly consumers?: readonly ConsumerSpec[];
  /** Service-to-service endpoints (not part of the graph), under /internal; only other services may call them. */
  readonly internalHandlers?: readonly InternalHandler[];
  readonly onStop?: () => void | Promise<void>;
  /** What the service sends a scratch copy of itself before it reports ready (see warmUp.ts). */
  readonly warmUp?: WarmUp;
}

export interface RunningService {
  readonly name: string;
  readonly port: number;
  readonly url: string;
  /** How long stop() keeps serving, not ready, before it stops listening (DRAIN_DELAY_MS). */
  readonly drainDelayMs?: number;
  /** Drains (see startSubgraph), then stops. */
  stop(): Promise<void>;
}

const MAX_BODY = '100kb';

/**
 * Starts a subgraph: database, broker (streams provisioned), outbox relay, consumers, and the
 * HTTP server with /graphql, /health/*, /metrics. With a warm-up (SubgraphParts.warmUp, WARMUP on),
 * readiness answers 503 until it has run (see warmUpScratchCopy).
 *
 * stop() drains, so that a rolling update loses and fails nothing: readiness answers 503 at once
 * while everything keeps serving for DRAIN_DELAY_MS (until load balancers have seen it); then the
 * server stops taking connections and the consumers stop taking messages, while in-flight requests
 * finish and the messages being handled finish and are acked; then the outbox relay publishes what
 * they wrote; then the connections close.
 */
export async function startSubgraph<Config extends SubgraphConfig>(
  name: string,
  config: Config,
  build: (infrastructure: SubgraphInfrastructure<Config>) => SubgraphParts | Promise<SubgraphParts>,
): Promise<RunningService> {
  // With the public default, anyone could mint the identity tokens this subgraph trusts.
  assertProductionSecrets(config.NODE_ENV, {
    SUBGRAPH_SECRET: { value: config.SUBGRAPH_SECRET, devDefault: DEV_SUBGRAPH_SECRET },
  });
  const log = createLogger(name, config.LOG_LEVEL);
  const metrics = createMetrics(name);
  const database = await connectDatabase(
    config.MONGO_URL,
    databaseName(config, name),
    config.MONGO_TIMEOUT_MS,
    config.MONGO_MIN_POOL_SIZE,
  );
  const broker = await connectBroker(config.NATS_URL, name, log, { streamReplicas: config.NATS_STREAM_REPLICAS });
  const tokens = new InternalTokens(config.SUBGRAPH_SECRET, name);
  const aggregateLock = new AggregateLock();
  const outbox = new OutboxRelay(broker, log, metrics, aggregateLock);
  const infrastructure = { name, config, log, database, broker, outbox, aggregateLock, tokens, metrics };
  const parts = await build(infrastructure);
  await initModels(database);

  const httpServer = createServer();
  const apollo = graphServer(parts, httpServer, log, config.NODE_ENV);
  await apollo.start();

  let started = false;
  let draining = false;
  const app = createServiceApp(
    metrics,
    () => started && !draining && isDatabaseConnected(database) && broker.isConnected(),
  );
  mountParts(app, parts, apollo, tokens, log);
  const listening = await listen(httpServer, app, config.PORT, log, config.HOST);

  const { warmUp } = parts;
  if (warmUp && config.WARMUP === 'on') {
    await runCapped((signal) => warmUpScratchCopy(infrastructure, build, warmUp, signal), config.WARMUP_CAP_MS, log);
  }
  const consumers = (parts.consumers ?? []).map((spec) => new EventConsumer(spec, broker, log, metrics));
  await Promise.all(consumers.map((consumer) => consumer.start()));
  outbox.start();
  started = true;

  return {
    name,
    port: listening.port,
    url: `http://127.0.0.1:${listening.port}/graphql`,
    drainDelayMs: drainDelayMs(config),
    async stop() {
      draining = true;
      log.info({ drainDelayMs: drainDelayMs(config) }, 'draining: not ready, still serving');
      await delay(drainDelayMs(config));
      await Promise.all([apollo.stop(), ...consumers.map((consumer) => consumer.stop())]);
      // Background work (sweeps, recovery) stops before the last flush, so what it wrote goes out too.
      await parts.onStop?.();
      await outbox.stop();
      await listening.close();
      await broker.close();
      await database.close();
    },
  };
}

/** Every query path has its index before the first request (a unique index is also a rule: one payment per reservation, one review per stay). */
async function initModels(database: Connection): Promise<void> {
  await Promise.all(Object.values(database.models).map((model) => model.init()));
}

function graphServer(
  parts: SubgraphParts,
  httpServer: Server,
  log: Logger,
  nodeEnv: SubgraphConfig['NODE_ENV'],
): ApolloServer<RequestContext> {
  return new ApolloServer<RequestContext>({
    schema: subgraphSchema(parts.typeDefs, parts.resolvers),
    // Outside NODE_ENV=test Apollo would stop itself on SIGTERM and re-raise the signal, killing
    // the process before the drain (see lifecycle.ts) has run: the signal is ours to handle.
    stopOnTerminationSignals: false,
    formatError: createErrorFormatter(log, nodeEnv !== 'production'),
    // Whoever reaches a subgraph gets no "Did you mean ...?" revealing its schema in production.
    hideSchemaDetailsFromClientErrors: nodeEnv === 'production',
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      ApolloServerPluginLandingPageDisabled(),
      // Traces are for Apollo Studio, which this system does not report to.
      ApolloServerPluginInlineTraceDisabled(),
      // Cache hints are for a cache in front of Apollo Server; the router caches no answer. On, it
      // wraps every field's resolver to collect them: a hook call per field of every request.
      ApolloServerPluginCacheControlDisabled(),
    ],
    includeStacktraceInErrorResponses: false,
    // Apollo Server indents every answer by default; the router is the only reader.
    stringifyResult: (result) => JSON.stringify(result),
  });
}

/** /graphql and /internal, as the router and the other services reach them. */
function mountParts(
  app: Express,
  parts: SubgraphParts,
  apollo: ApolloServer<RequestContext>,
  tokens: InternalTokens,
  log: Logger,
): void {
  if (parts.internalHandlers) mountInternalHandlers(app, parts.internalHandlers, tokens, log);
  app.use(
    '/graphql',
    express.json({ limit: MAX_BODY }),
    expressMiddleware(apollo, {
      context: async ({ req }) => ({ identity: await verifiedIdentity(tokens, req.header(IDENTITY_HEADER)), log }),
    }),
  );
}

/**
 * The warm-up (see warmUp.ts): the service's composition built a second time, on a scratch
 * database beside its own (`<database>_warmup`, dropped afterwards; the same driver and pool),
 * with a relay that never runs and a broker that refuses every use, its peers' URLs pointing at
 * stand-ins, served on a loopback port exactly as the real one is; then the service's requests
 * to it. The code is the same functions as the real copy's, so V8 compiles and tiers them up once
 * for both. Its own lock, metrics and logger (warnings only) keep it out of the real ones.
 */
async function warmUpScratchCopy<Config extends SubgraphConfig>(
  real: SubgraphInfrastructure<Config>,
  build: (infrastructure: SubgraphInfrastructure<Config>) => SubgraphParts | Promise<SubgraphParts>,
  warmUp: WarmUp,
  signal: AbortSignal,
): Promise<void> {
  const started = performance.now();
  const log = real.log.child({ warmUp: true }, { level: 'warn' });
  const metrics = createMetrics(real.name, { processMetrics: false });
  const database = real.database.useDb(scratchDatabaseName(real.database.name), { useCache: false });
  const standIns = await serveStandIns(warmUp.standIns ?? [], real.config.SUBGRAPH_SECRET, log);
  try {
    const aggregateLock = new AggregateLock();
    const scratch = await build({
      ...real,
      config: scratchConfig(real.config, standIns.urls),
      log,
      metrics,
      database,
      broker: NO_BROKER,
      outbox: new OutboxRelay(NO_BROKER, log, metrics, aggregateLock),
      aggregateLock,
    });
    const httpServer = createServer();
    const apollo = graphServer(scratch, httpServer, log, real.config.NODE_ENV);
    try {
      await initModels(database);
      await apollo.start();
      const app = express();
      mountParts(app, scratch, apollo, real.tokens, log);
      httpServer.on('request', app);
      const port = await listenOnLoopback(httpServer);
      await scratch.warmUp?.run(scratchClient(real.name, `http://127.0.0.1:${port}/graphql`, real.tokens), signal);
    } finally {
      await apollo.stop();
      await closeServer(httpServer);
      await scratch.onStop?.();
    }
  } finally {
    await standIns.close();
    await dropScratch(database, log);
  }
  real.log.info({ ms: Math.round(performance.now() - started), capped: signal.aborted }, 'warmed up');
}

async function verifiedIdentity(tokens: InternalTokens, token: string | undefined): Promise<Identity> {
  try {
    return await tokens.verify(token);
  } catch (error) {
    if (!(error instanceof InvalidInternalToken)) throw error;
    throw new GraphQLError(error.message, { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
  }
}
