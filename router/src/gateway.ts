import { readFileSync } from 'node:fs';
import { ApolloGateway, RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { Histogram, type Registry } from 'prom-client';
import type { FetcherResponse } from '@apollo/utils.fetcher';
import { GraphQLError } from 'graphql';
import { IDENTITY_HEADER, type Identity } from '@roombook/kernel';
import type { RouterConfig } from './config';
import { subgraphUrl } from './config';

export interface RouterContext {
  readonly identity: Identity;
  /** The identity, signed once per request for every subgraph the plan calls. */
  readonly identityToken: string;
}

/** Every subgraph request carries the caller's verified identity, signed for the subgraphs. */
class IdentityForwardingDataSource extends RemoteGraphQLDataSource<RouterContext> {
  constructor(
    private readonly subgraphName: string,
    url: string,
    private readonly fetchDuration: Histogram<'subgraph' | 'outcome'>,
  ) {
    super({ url });
  }

  /** Times every fetch of a query plan to this subgraph: ok, answered with errors, or failed. */
  override async process(options: GraphQLDataSourceProcessOptions<RouterContext>): Promise<GatewayGraphQLResponse> {
    const stop = this.fetchDuration.startTimer({ subgraph: this.subgraphName });
    try {
      const response = await super.process(options);
      stop({ outcome: response.errors?.length ? 'errors' : 'ok' });
      return response;
    } catch (error) {
      stop({ outcome: 'failed' });
      throw error;
    }
  }

  /**
   * A subgraph that refuses a request (HTTP 4xx/5xx) usually says why with a coded GraphQL error,
   * such as BAD_USER_INPUT for a variable it cannot coerce: pass that on as it is. Never pass on
   * the response itself, which names internal URLs.
   */
  override async errorFromResponse(response: FetcherResponse): Promise<GraphQLError> {
    const body = await this.parseBody(response).catch(() => undefined);
    const first = (body as { errors?: { message?: string; extensions?: { code?: string } }[] } | undefined)
      ?.errors?.[0];
    if (first?.message && first.extensions?.code) {
      return new GraphQLError(first.message, { extensions: { code: first.extensions.code } });
    }
    return new GraphQLError(`The ${this.subgraphName} service failed (HTTP ${response.status}); retry later`, {
      extensions: { code: 'SERVICE_UNAVAILABLE' },
    });
  }

  /** A subgraph that cannot be reached at all is a dependency down: retry later. */
  override didEncounterError(error: Error): void {
    if (error instanceof GraphQLError) throw error;
    throw new GraphQLError(`The ${this.subgraphName} service is unavailable; retry later`, {
      extensions: { code: 'SERVICE_UNAVAILABLE' },
      originalError: error,
    });
  }

  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<RouterContext>): void {
    // The gateway types the context loosely; the router's context function always builds a RouterContext.
    request.http?.headers.set(IDENTITY_HEADER, (context as RouterContext).identityToken);
  }
}

export function createGateway(config: RouterConfig, supergraphPath: string, registry: Registry): ApolloGateway {
  const fetchDuration = new Histogram({
    name: 'subgraph_fetch_duration_seconds',
    help: 'Fetches of query plans to each subgraph, by outcome',
    labelNames: ['subgraph', 'outcome'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  // @apollo/gateway sends usage metrics to Apollo's servers unless this is set when it is built
  // (its index.js reads it); this system reports to nobody it was not configured to.
  process.env.APOLLO_TELEMETRY_DISABLED = 'true';
  return new ApolloGateway({
    supergraphSdl: readFileSync(supergraphPath, 'utf8'),
    buildService: ({ name }) => new IdentityForwardingDataSource(name, subgraphUrl(config, name), fetchDuration),
  });
}
