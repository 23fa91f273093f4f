import { readFileSync } from 'node:fs';
import { ApolloGateway, RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { ANONYMOUS, IDENTITY_HEADER, InternalTokens, type Identity } from '@roombook/kernel';
import type { RouterConfig } from './config';
import { subgraphUrl } from './config';

export interface RouterContext {
  readonly identity: Identity;
}

/** Every subgraph request carries the caller's verified identity, signed for the subgraphs. */
class IdentityForwardingDataSource extends RemoteGraphQLDataSource<RouterContext> {
  constructor(
    url: string,
    private readonly tokens: InternalTokens,
  ) {
    super({ url });
  }

  override async willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<RouterContext>) {
    const identity: Identity = (context as Partial<RouterContext>).identity ?? ANONYMOUS;
    request.http?.headers.set(IDENTITY_HEADER, await this.tokens.sign(identity));
  }
}

export function createGateway(config: RouterConfig, supergraphPath: string): ApolloGateway {
  const tokens = new InternalTokens(config.SUBGRAPH_SECRET);
  return new ApolloGateway({
    supergraphSdl: readFileSync(supergraphPath, 'utf8'),
    buildService: ({ name }) => new IdentityForwardingDataSource(subgraphUrl(config, name), tokens),
  });
}
