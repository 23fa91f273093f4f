import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import {
  DEV_SUBGRAPH_SECRET,
  InternalTokens,
  assertProductionSecrets,
  connectBroker,
  createErrorFormatter,
  createLogger,
  createMetrics,
  createServiceApp,
  drainDelayMs,
  keepNamesOneByte,
  listen,
  runCapped,
  type RunningService,
} from '@roombook/kernel';
import express, { type ErrorRequestHandler } from 'express';
import type { GraphQLSchema } from 'graphql';
import { join } from 'node:path';
import { UserAuthenticator, callerOf, identifyCaller } from './authentication';
import { AccessRules } from './authorization/accessRules';
import { authorizeOperation } from './authorization/operationAuthorization';
import { assertPoliciesKnown } from './authorization/policies';
import { DEV_JWT_SECRET, rateLimits, trustedDocumentsMode, type RouterConfig } from './config';
import { explorerRoutes, sandboxPage } from './explorer';
import { OperationPlans } from './execution/operationPlans';
import { createGateway } from './gateway';
import { clientAppRoutes } from './clientApp';
import { loadShedding } from './loadShedding';
import { OperationMetrics } from './operationMetrics';
import { graphqlHttpHandler } from './pipeline/graphqlHttp';
import { OperationPipeline } from './pipeline/operationPipeline';
import { OperationLimiter } from './queryCost';
import { LiveCursors } from './subscriptions/liveCursors';
import { LiveFields } from './subscriptions/liveFields';
import { LiveSubscriptions } from './subscriptions/liveServer';
import { serveGraphqlWs } from './subscriptions/transports/graphqlWs';
import { RateLimiter } from './rateLimits/rateLimiter';
import { rateLimitMiddleware } from './rateLimits/rateLimitMiddleware';
import { httpSubscriptions } from './subscriptions/transports/httpSubscriptions';
import { TrustedDocuments } from './trustedDocuments/trustedDocuments';
import { trustedDocumentsMiddleware } from './trustedDocuments/trustedDocumentsMiddleware';
import { warmUpRouter, type WarmUpPipelineParts } from './warmingUp/routerWarmUp';

export const DEFAULT_SUPERGRAPH_PATH = join(__dirname, '..', '..', 'schema', 'supergraph.graphql');

/**
 * Starts the router; with WARMUP on, readiness answers 503 until `warmUp` has run (or its cap,
 * WARMUP_CAP_MS, has passed). Tests give their own `warmUp` to watch or hold it.
 */
export async function startRouter(
  config: RouterConfig,
  supergraphPath = DEFAULT_SUPERGRAPH_PATH,
  warmUp: typeof warmUpRouter = warmUpRouter,
): Promise<RunningService> {
  assertProductionSecrets(config.NODE_ENV, {
    JWT_SECRET: { value: config.JWT_SECRET, devDefault: DEV_JWT_SECRET },
    SUBGRAPH_SECRET: { value: config.SUBGRAPH_SECRET, devDefault: DEV_SUBGRAPH_SECRET },
  });
  const log = createLogger('router', config.LOG_LEVEL);
  const metrics = createMetrics('router');
  const authenticator = new UserAuthenticator({ secret: config.JWT_SECRET, jwksUrl: config.JWT_JWKS_URL });
  const tokens = new InternalTokens(config.SUBGRAPH_SECRET, 'router', config.IDENTITY_TOKEN_LIFETIME_S);
  const production = config.NODE_ENV === 'production';
  const trustedDocuments = await TrustedDocuments.start(
    { mode: trustedDocumentsMode(config), path: config.PERSISTED_DOCUMENTS_PATH },
    log,
    metrics.registry,
  );

  const httpServer = createServer();
  // Started now: it counts the requests of each connection, so a stop lets those in flight finish.
  const drain = (await ApolloServerPluginDrainHttpServer({ httpServer }).serverWillStart!({} as never))!;
  let supergraphLoaded = false;
  const supergraphFile = config.SUPERGRAPH_PATH ?? supergraphPath;
  const supergraphSdl = readFileSync(supergraphFile, 'utf8');
  keepNamesOneByte(supergraphSdl);
  const accessRules = AccessRules.fromSupergraph(supergraphSdl);
  assertPoliciesKnown(accessRules.policyNames());
  const subgraphs = createGateway(config, supergraphFile, metrics.registry, tokens);
  const { gateway } = subgraphs;
  // @apollo/gateway loads the supergraph; its planner plans, and the router's own executor runs the plans.
  let supergraph: { apiSchema: GraphQLSchema; plans: OperationPlans } | undefined;
  gateway.onSchemaLoadOrUpdate(({ coreSupergraphSdl }) => {
    const plans = new OperationPlans(coreSupergraphSdl);
    supergraph = { apiSchema: plans.apiSchema, plans };
  });
  await gateway.load();
  supergraphLoaded = true;
  const sandbox = production ? undefined : sandboxPage();
  const landingPage = sandbox && (() => sandbox);
  // What the warm-up's scratch request path shares with the real one (see warmingUp/).
  const operationParts: WarmUpPipelineParts = {
    limiter: new OperationLimiter(config),
    // Fields the caller may not read are removed before planning, answered null with one error each.
    authorize: (document, operationName, variables, identity) =>
      authorizeOperation(accessRules, supergraph!.apiSchema, document, operationName, variables, identity),
    maxDepth: config.MAX_QUERY_DEPTH,
    production,
  };
  const pipeline = new OperationPipeline({
    ...operationParts,
    supergraph: () => supergraph!,
    clients: subgraphs.clients,
    metrics: new OperationMetrics(metrics.registry),
    formatError: createErrorFormatter(log, !production),
    log,
  });

  // Live subscriptions follow NATS; without NATS_URL the router serves queries and mutations only.
  const broker = config.NATS_URL
    ? await connectBroker(config.NATS_URL, 'router', log, { streamReplicas: config.NATS_STREAM_REPLICAS })
    : undefined;
  const live =
    broker &&
    new LiveSubscriptions({
      execute: (request, caller) => pipeline.execute(request, caller),
      schema: () => supergraph!.apiSchema,
      accessRules,
      fields: LiveFields.fromSupergraph(supergraphSdl, accessRules),
      broker,
      cursors: new LiveCursors(config.LIVE_CURSOR_SECRET ?? LiveCursors.derivedKey(config.SUBGRAPH_SECRET)),
      log,
      registry: metrics.registry,
      production,
      limits: {
        resumeWindowS: config.LIVE_RESUME_WINDOW_S,
        maxQueuedPerSubscription: config.MAX_QUEUED_EVENTS_PER_SUBSCRIPTION,
        maxDepth: config.MAX_QUERY_DEPTH,
        operation: config,
      },
    });
  if (live) {
    serveGraphqlWs(live, {
      httpServer,
      authenticator,
      trustedDocuments,
      maxSubscriptionsPerConnection: config.MAX_SUBSCRIPTIONS_PER_CONNECTION,
      keepAliveMs: config.SUBSCRIPTION_KEEPALIVE_MS,
      production,
    });
  }
  await live?.start();

  const limits = rateLimits(config);
  const rateLimiter =
    limits &&
    (await RateLimiter.start(limits, broker, log, metrics.registry, {
      replicas: config.NATS_STREAM_REPLICAS,
      storeTimeoutMs: config.RATE_LIMIT_STORE_TIMEOUT_MS,
    }));

  let draining = false;
  let warmedUp = false;
  const app = createServiceApp(
    metrics,
    () => warmedUp && !draining && supergraphLoaded && (broker?.isConnected() ?? true),
  );
  if (config.TRUST_PROXY_HOPS > 0) app.set('trust proxy', config.TRUST_PROXY_HOPS);
  if (!production) app.use(explorerRoutes());
  app.use(
    '/graphql',
    loadShedding(
      {
        maxConcurrent: config.MAX_CONCURRENT_OPERATIONS,
        maxQueued: config.MAX_QUEUED_OPERATIONS,
        queueTimeoutMs: config.OPERATION_QUEUE_TIMEOUT_MS,
        retryAfterSeconds: config.SHED_RETRY_AFTER_SECONDS,
      },
      metrics.registry,
    ),
    express.json({ limit: config.MAX_BODY_BYTES }),
    trustedDocumentsMiddleware(trustedDocuments),
    identifyCaller(authenticator),
    ...(rateLimiter && limits ? [rateLimitMiddleware(rateLimiter, limits, authenticator)] : []),
    // Subscriptions over SSE and multipart HTTP; every other request goes on to the operations.
    live
      ? httpSubscriptions(live, {
          authenticator,
          log,
          maxPerCaller: config.MAX_HTTP_SUBSCRIPTIONS_PER_CALLER,
          keepAliveMs: config.SUBSCRIPTION_KEEPALIVE_MS,
        })
      : [],
    graphqlHttpHandler({ pipeline, identify: (req) => callerOf(req, authenticator), landingPage }),
  );
  app.use(clientAppRoutes(config));
  app.use(requestErrors);
  const listening = await listen(httpServer, app, config.PORT, log);
  if (config.WARMUP === 'on') {
    const parts = {
      config,
      authenticator,
      tokens,
      supergraph: () => supergraph!,
      subgraphNames: [...subgraphs.clients.keys()],
      pipeline: operationParts,
      log,
    };
    await runCapped((signal) => warmUp(parts, signal).then(() => undefined), config.WARMUP_CAP_MS, log);
  }
  warmedUp = true;

  return {
    name: 'router',
    port: listening.port,
    url: `http://127.0.0.1:${listening.port}/graphql`,
    drainDelayMs: drainDelayMs(config),
    /**
     * Not ready at once, still serving HTTP and subscriptions for DRAIN_DELAY_MS (until load
     * balancers have seen it); then subscribers are told to reconnect elsewhere (1001), in-flight
     * requests finish, and the connections close.
     */
    async stop() {
      draining = true;
      log.info({ drainDelayMs: drainDelayMs(config) }, 'draining: not ready, still serving');
      await delay(drainDelayMs(config));
      supergraphLoaded = false;
      await live?.stop();
      await drain.drainServer!();
      await gateway.stop();
      await listening.close();
      await subgraphs.close();
      await broker?.close();
      trustedDocuments.stop();
    },
  };
}

/** Body-parser failures (too large: 413, malformed JSON: 400) answered as GraphQL-shaped errors. */
const requestErrors: ErrorRequestHandler = (
  error: { status?: number; type?: string; message?: string },
  _req,
  res,
  next,
) => {
  if (!error.status) {
    next(error);
    return;
  }
  const tooLarge = error.type === 'entity.too.large';
  res.status(error.status).json({
    errors: [
      {
        message: tooLarge ? 'Request body is larger than the router accepts' : (error.message ?? 'Bad request'),
        extensions: { code: tooLarge ? 'PAYLOAD_TOO_LARGE' : 'BAD_REQUEST' },
      },
    ],
  });
};
