import { readFileSync } from 'node:fs';
import { ApolloGateway } from '@apollo/gateway';
import { Kind, parse, print, visit, type DirectiveNode } from 'graphql';
import { Gauge, type Registry } from 'prom-client';
import type { Identity, InternalTokens } from '@roombook/kernel';
import type { RouterConfig } from './config';
import { subgraphUrl } from './config';
import { SubgraphClient, subgraphClientMetrics } from './subgraphClient';

export interface RouterContext {
  /** Signed for each subgraph fetch (see SubgraphClient), so a long plan's later fetches carry a valid token. */
  readonly identity: Identity;
  /** Aborted when the HTTP client went away (see deadlines.ts); subscriptions have none. */
  readonly clientGone?: AbortSignal;
}

export interface Gateway {
  readonly gateway: ApolloGateway;
  /** The client of each subgraph, by name, once the gateway has loaded the supergraph. */
  readonly clients: ReadonlyMap<string, SubgraphClient>;
  /** Closes the connections to the subgraphs (after the last request). */
  close(): Promise<void>;
}

export function createGateway(
  config: RouterConfig,
  supergraphPath: string,
  registry: Registry,
  tokens: InternalTokens,
): Gateway {
  const metrics = subgraphClientMetrics(registry);
  const clients = new Map<string, SubgraphClient>();
  // @apollo/gateway sends usage metrics to Apollo's servers unless this is set when it is built
  // (its index.js reads it); this system reports to nobody it was not configured to.
  process.env.APOLLO_TELEMETRY_DISABLED = 'true';
  const gateway = new ApolloGateway({
    supergraphSdl: supergraphForPlanning(readFileSync(supergraphPath, 'utf8')),
    buildService: ({ name, url }) => {
      const client = new SubgraphClient(
        name,
        subgraphUrl(config, name, url)!,
        metrics,
        config.MERGE_INFLIGHT_FETCHES,
        tokens,
        config.SUBGRAPH_TIMEOUT_MS,
      );
      clients.set(name, client);
      return client;
    },
  });
  new Gauge({
    name: 'subgraph_connections',
    help: 'Keep-alive connections from the router to each subgraph: open, and idle among them',
    labelNames: ['subgraph', 'state'],
    registers: [registry],
    collect() {
      for (const client of clients.values()) {
        const { open, idle } = client.connections();
        this.set({ subgraph: client.subgraph, state: 'open' }, open);
        this.set({ subgraph: client.subgraph, state: 'idle' }, idle);
      }
    },
  });
  return {
    gateway,
    clients,
    close: async () => void (await Promise.all([...clients.values()].map((client) => client.close()))),
  };
}

/**
 * The supergraph as the gateway is to plan with it. @apollo/gateway refuses a supergraph that links
 * a feature `for: SECURITY` (@authenticated, @requiresScopes, @policy), since it does not enforce
 * them; this router does, before planning (see authorization/), so it hands the gateway those
 * links as plain ones. Planning does not depend on them.
 */
export function supergraphForPlanning(supergraphSdl: string): string {
  let changed = false;
  const document = visit(parse(supergraphSdl), {
    Directive(directive: DirectiveNode): DirectiveNode | undefined {
      if (directive.name.value !== 'link') return undefined;
      const purpose = directive.arguments?.find((argument) => argument.name.value === 'for');
      if (purpose?.value.kind !== Kind.ENUM || purpose.value.value !== 'SECURITY') return undefined;
      changed = true;
      return { ...directive, arguments: directive.arguments?.filter((argument) => argument !== purpose) };
    },
  });
  return changed ? print(document) : supergraphSdl;
}
