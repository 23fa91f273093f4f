import { readFileSync } from 'node:fs';
import { ApolloGateway, RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
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
  ) {
    super({ url });
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

export function createGateway(config: RouterConfig, supergraphPath: string): ApolloGateway {
  // @apollo/gateway sends usage metrics to Apollo's servers unless this is set when it is built
  // (its index.js reads it); this system reports to nobody it was not configured to.
  process.env.APOLLO_TELEMETRY_DISABLED = 'true';
  return new ApolloGateway({
    supergraphSdl: readFileSync(supergraphPath, 'utf8'),
    buildService: ({ name }) => new IdentityForwardingDataSource(name, subgraphUrl(config, name)),
  });
}
