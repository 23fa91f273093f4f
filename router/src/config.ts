import { DEV_SUBGRAPH_SECRET, drainDelay, natsStreamReplicas, warmUpCap, warmUpSwitch } from '@roombook/kernel';
import { z } from 'zod';
import { ROUTER_PORT, SUBGRAPHS, subgraphUrlVariable } from '../../subgraphs/catalog';

/** Local-only default, documented in the README; the router refuses it when NODE_ENV=production. */
export const DEV_JWT_SECRET = 'dev-only-jwt-secret-change-me-0123456789';

/** No defaults here: where an unset one points depends on the supergraph served (see subgraphUrl). */
const subgraphUrls = Object.fromEntries(SUBGRAPHS.map(({ name }) => [subgraphUrlVariable(name), z.url().optional()]));

export const configSchema = z
  .object({
    PORT: z.coerce.number().int().min(0).max(65535).default(ROUTER_PORT),
    JWT_SECRET: z.string().min(32, 'must be at least 32 characters').default(DEV_JWT_SECRET),
    /** When set, RS256 tokens are verified against this JWKS instead of JWT_SECRET. */
    JWT_JWKS_URL: z.url().optional(),
    SUBGRAPH_SECRET: z.string().min(16, 'must be at least 16 characters').default(DEV_SUBGRAPH_SECRET),
    /** How long the identity token the router signs for a subgraph fetch is valid. */
    IDENTITY_TOKEN_LIFETIME_S: z.coerce.number().int().min(1).max(3600).default(60),
    /** Where live subscriptions get their events; without it, subscriptions are refused. */
    NATS_URL: z.string().min(1).optional(),
    NATS_STREAM_REPLICAS: natsStreamReplicas,
    MAX_QUERY_DEPTH: z.coerce.number().int().min(2).max(50).default(10),
    MAX_BODY_BYTES: z.coerce.number().int().min(1024).default(100_000),
    /** Operation limits, checked before any subgraph is called (see queryCost.ts for how cost is counted). */
    MAX_QUERY_ALIASES: z.coerce.number().int().min(1).default(15),
    MAX_ROOT_FIELDS: z.coerce.number().int().min(1).default(10),
    MAX_QUERY_FIELDS: z.coerce.number().int().min(1).default(250),
    MAX_QUERY_DIRECTIVES: z.coerce.number().int().min(1).default(50),
    MAX_QUERY_COST: z.coerce.number().int().min(1).default(5_000),
    /** How long one fetch of a query plan may take before the router answers SERVICE_UNAVAILABLE for it. */
    SUBGRAPH_TIMEOUT_MS: z.coerce.number().int().min(1).default(10_000),
    /** Load shedding: operations executing at once, and how many more may wait, for how long. */
    MAX_CONCURRENT_OPERATIONS: z.coerce.number().int().min(1).default(50),
    MAX_QUEUED_OPERATIONS: z.coerce.number().int().min(0).default(200),
    OPERATION_QUEUE_TIMEOUT_MS: z.coerce.number().int().min(1).default(1_000),
    /** The Retry-After (seconds) of an operation refused because the router is at capacity. */
    SHED_RETRY_AFTER_SECONDS: z.coerce.number().int().min(1).default(1),
    /** graphql-ws: subscriptions one connection may hold at once. */
    MAX_SUBSCRIPTIONS_PER_CONNECTION: z.coerce.number().int().min(1).default(20),
    /**
     * SSE and multipart HTTP: subscription streams one caller may hold open at once (a signed-in
     * user wherever they connect from; an anonymous caller by client address).
     */
    MAX_HTTP_SUBSCRIPTIONS_PER_CALLER: z.coerce.number().int().min(1).default(100),
    /** graphql-ws: payloads waiting for a client that does not read, before it is dropped. */
    MAX_QUEUED_EVENTS_PER_SUBSCRIPTION: z.coerce.number().int().min(1).default(100),
    /** graphql-ws: how often a WebSocket ping checks that a client is still there. */
    SUBSCRIPTION_KEEPALIVE_MS: z.coerce.number().int().min(100).default(12_000),
    /**
     * Signs subscription cursors: the same on every router replica. Default: a key derived from
     * SUBGRAPH_SECRET (which every replica already shares).
     */
    LIVE_CURSOR_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
    /**
     * How far back (seconds) a subscription may resume from its cursor; an older cursor gets
     * CURSOR_EXPIRED. Resume also ends where the stream stops keeping events (DASHBOARD: a day).
     */
    LIVE_RESUME_WINDOW_S: z.coerce
      .number()
      .int()
      .min(1)
      .default(24 * 60 * 60),
    /**
     * Identical query fetches of one caller to one subgraph in flight at once are sent once
     * (never across callers, never a mutation). "false" sends every fetch.
     */
    MERGE_INFLIGHT_FETCHES: z.stringbool().default(true),
    /**
     * Another supergraph to serve than the checked-in one (a subgraph not named by a
     * SUBGRAPH_<NAME>_URL is called at the URL the supergraph gives it).
     */
    SUPERGRAPH_PATH: z.string().min(1).optional(),
    /** How long a stopping router keeps serving, not ready, before it stops listening (see drainDelayMs). */
    DRAIN_DELAY_MS: drainDelay,
    /**
     * `on`: before it reports ready, the router sends a scratch copy of its request path the
     * operations a first burst brings, answered by a stand-in subgraph (see warmingUp/), as the
     * subgraphs warm up; `off`: ready as soon as it listens.
     */
    WARMUP: warmUpSwitch,
    /** The longest the warm-up may hold readiness back; ready after it, warm or not. */
    WARMUP_CAP_MS: warmUpCap,
    /** Where the built client app is (default: client/dist of this checkout, which `npm run build` makes). */
    CLIENT_APP_DIR: z.string().min(1).optional(),
    /** The identity provider's sign-in page the app links to; it sends people back to `/#token=<JWT>`. */
    CLIENT_SIGN_IN_URL: z.url().optional(),
    /**
     * POST /dev/token (the app's development sign-in). Never in production. Default: on only with the
     * development default JWT_SECRET; "true" turns it on with another secret, "false" off.
     */
    DEV_SIGN_IN: z.stringbool().optional(),
    /** Trusted documents: the operations clients may run, in Apollo's persisted-query manifest format. */
    PERSISTED_DOCUMENTS_PATH: z.string().min(1).optional(),
    /**
     * enforce: only the manifest's operations run; audit: any runs, the others are counted; off: the
     * manifest is ignored. Default with a manifest: enforce in production, audit elsewhere.
     */
    PERSISTED_DOCUMENTS_MODE: z.enum(['enforce', 'audit', 'off']).optional(),
    /**
     * Per-caller rate limits: tokens a caller's bucket gains per second (may be fractional); unset
     * or 0: no limit. RATE_LIMIT_BURST: the bucket's size (default twice the rate, at least 1).
     */
    RATE_LIMIT_PER_SECOND: z.coerce.number().min(0).optional(),
    RATE_LIMIT_BURST: z.coerce.number().int().min(1).optional(),
    /**
     * How long a request waits for the buckets every replica shares (NATS key-value) before this
     * replica limits its caller with a bucket of its own (see rateLimiter.ts).
     */
    RATE_LIMIT_STORE_TIMEOUT_MS: z.coerce.number().int().min(1).default(250),
    /**
     * Proxies (load balancers, ingress) in front of the router whose X-Forwarded-For is believed, so
     * an anonymous caller is limited by its own address rather than the proxy's. 0: none.
     */
    TRUST_PROXY_HOPS: z.coerce.number().int().min(0).default(0),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    ...subgraphUrls,
  })
  .superRefine((config, context) => {
    // Settings that mean nothing without another: named at start, like any bad variable.
    const mode = config.PERSISTED_DOCUMENTS_MODE;
    if ((mode === 'enforce' || mode === 'audit') && !config.PERSISTED_DOCUMENTS_PATH) {
      context.addIssue({
        code: 'custom',
        path: ['PERSISTED_DOCUMENTS_MODE'],
        message: `${mode} needs PERSISTED_DOCUMENTS_PATH (the manifest of trusted documents)`,
      });
    }
    if (config.RATE_LIMIT_BURST !== undefined && !config.RATE_LIMIT_PER_SECOND) {
      context.addIssue({
        code: 'custom',
        path: ['RATE_LIMIT_BURST'],
        message: 'needs RATE_LIMIT_PER_SECOND (without a rate there is no limit)',
      });
    }
  });

export type RouterConfig = z.infer<typeof configSchema>;

/** The per-caller rate limits in force, or undefined when there are none (RATE_LIMIT_PER_SECOND). */
export function rateLimits(config: RouterConfig): { ratePerSecond: number; burst: number } | undefined {
  const rate = config.RATE_LIMIT_PER_SECOND ?? 0;
  if (rate === 0) return undefined;
  return { ratePerSecond: rate, burst: config.RATE_LIMIT_BURST ?? Math.max(1, Math.ceil(rate * 2)) };
}

/** The trusted documents mode in effect (see PERSISTED_DOCUMENTS_MODE). */
export function trustedDocumentsMode(config: RouterConfig): 'enforce' | 'audit' | 'off' {
  if (!config.PERSISTED_DOCUMENTS_PATH) return 'off';
  return config.PERSISTED_DOCUMENTS_MODE ?? (config.NODE_ENV === 'production' ? 'enforce' : 'audit');
}

/**
 * Where the router calls a subgraph: at its SUBGRAPH_<NAME>_URL when set. Otherwise, serving the
 * checked-in supergraph, at the catalog's local address (127.0.0.1, where `npm start` runs it: the
 * supergraph's "localhost" may resolve to ::1, where subgraphs do not listen); serving another
 * (SUPERGRAPH_PATH), where that supergraph says, even for a subgraph named as one of the catalog's.
 */
export function subgraphUrl(config: RouterConfig, name: string, supergraphUrl: string | undefined): string | undefined {
  const configured = (config as Record<string, unknown>)[subgraphUrlVariable(name)] as string | undefined;
  if (configured) return configured;
  const local = SUBGRAPHS.find((entry) => entry.name === name);
  return config.SUPERGRAPH_PATH || !local ? supergraphUrl : `http://127.0.0.1:${local.port}/graphql`;
}
