import { DEV_SUBGRAPH_SECRET } from '@roombook/kernel';
import { z } from 'zod';
import { ROUTER_PORT, SUBGRAPHS, subgraphUrlVariable } from '../../subgraphs/catalog';

/** Local-only default, documented in the README; the router refuses it when NODE_ENV=production. */
export const DEV_JWT_SECRET = 'dev-only-jwt-secret-change-me-0123456789';

const subgraphUrls = Object.fromEntries(
  SUBGRAPHS.map(({ name, port }) => [subgraphUrlVariable(name), z.url().default(`http://127.0.0.1:${port}/graphql`)]),
);

export const configSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(ROUTER_PORT),
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters').default(DEV_JWT_SECRET),
  /** When set, RS256 tokens are verified against this JWKS instead of JWT_SECRET. */
  JWT_JWKS_URL: z.url().optional(),
  SUBGRAPH_SECRET: z.string().min(16, 'must be at least 16 characters').default(DEV_SUBGRAPH_SECRET),
  /** Where live subscriptions get their events; without it, subscriptions are refused. */
  NATS_URL: z.string().min(1).optional(),
  MAX_QUERY_DEPTH: z.coerce.number().int().min(2).max(50).default(10),
  MAX_BODY_BYTES: z.coerce.number().int().min(1024).default(100_000),
  /** graphql-ws: subscriptions one connection may hold at once. */
  MAX_SUBSCRIPTIONS_PER_CONNECTION: z.coerce.number().int().min(1).default(20),
  /** graphql-ws: payloads waiting for a client that does not read, before it is dropped. */
  MAX_QUEUED_EVENTS_PER_SUBSCRIPTION: z.coerce.number().int().min(1).default(100),
  /** graphql-ws: how often a WebSocket ping checks that a client is still there. */
  SUBSCRIPTION_KEEPALIVE_MS: z.coerce.number().int().min(100).default(12_000),
  /**
   * Identical query fetches of one caller to one subgraph in flight at once are sent once
   * (never across callers, never a mutation). "false" sends every fetch.
   */
  MERGE_INFLIGHT_FETCHES: z.stringbool().default(true),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  ...subgraphUrls,
});

export type RouterConfig = z.infer<typeof configSchema>;

export function subgraphUrl(config: RouterConfig, name: string): string {
  return (config as Record<string, unknown>)[subgraphUrlVariable(name)] as string;
}
