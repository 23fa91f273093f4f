import { readFileSync } from 'node:fs';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import { parse, type DocumentNode, type GraphQLSchema } from 'graphql';
import { keepNamesOneByte } from './oneByteNames';

/**
 * What every subgraph's SDL shares, declared once: the platform's own directives, linked and
 * composed into the supergraph, and the scalar every subgraph uses. `readSubgraphSchema` adds it
 * to each `subgraphs/<name>/schema.graphql`, for the subgraph itself and for composition alike.
 */
export const SHARED_SUBGRAPH_SDL = `
extend schema
  @link(url: "https://roombook.dev/access/v0.1", import: ["@restricted"])
  @composeDirective(name: "@restricted")
  @link(url: "https://roombook.dev/live/v0.1", import: ["@live"])
  @composeDirective(name: "@live")

"""
Who may see or do this depends on the data (whose reservation, whose room): the owning subgraph
decides per entity, and the router never shares one answer among callers. \`to\` names who, for readers.
"""
directive @restricted(to: String!) on FIELD_DEFINITION | OBJECT

"""
Which events drive a Subscription field; the router reads this from the supergraph and follows
them. \`stream\` and \`subject\` (a filter, wildcards allowed): where the events are (JetStream).
\`query\`: the Query field, with its argument, that reads the entity an event changed (the subscriber's selection is asked of it), and
\`key\` the path of that entity's id in the event's data. \`filters\`: "argument=path", an argument of
the field that, when given, must equal that path of the event's data. \`parties\`: the paths of the
users an event concerns; only they (and ADMIN) receive it. No parties: everyone who may subscribe.
"""
directive @live(
  stream: String!
  subject: String!
  query: String!
  key: String!
  filters: [String!]
  parties: [String!]
) on FIELD_DEFINITION

scalar DateTime
`;

/** A subgraph's type definitions: its own schema.graphql after the shared declarations. */
export function readSubgraphSchema(schemaPath: string): DocumentNode {
  return parse(`${readFileSync(schemaPath, 'utf8')}\n${SHARED_SUBGRAPH_SDL}`);
}

/** A subgraph's executable schema, its names one-byte in every answer (see keepNamesOneByte). */
export function subgraphSchema<Context>(typeDefs: DocumentNode, resolvers: GraphQLResolverMap<Context>): GraphQLSchema {
  keepNamesOneByte(typeDefs);
  return buildSubgraphSchema([{ typeDefs, resolvers }]);
}
