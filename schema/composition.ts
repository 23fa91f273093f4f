import { join } from 'node:path';
import { composeServices } from '@apollo/composition';
import { readSubgraphSchema } from '@roombook/kernel';
import { SUBGRAPHS } from '../subgraphs/catalog';

export const SUPERGRAPH_PATH = join(__dirname, 'supergraph.graphql');

/**
 * Composes the supergraph from each subgraph's schema.graphql, in catalog order, with each
 * subgraph at its default local port unless `urlOf` says otherwise.
 */
export function composeSupergraph(urlOf: (name: string) => string | undefined = () => undefined): string {
  const result = composeServices(
    SUBGRAPHS.map(({ name, port }) => ({
      name,
      url: urlOf(name) ?? `http://localhost:${port}/graphql`,
      typeDefs: readSubgraphSchema(join(__dirname, '..', 'subgraphs', name, 'schema.graphql')),
    })),
  );
  if (result.errors) {
    throw new Error(`Composition failed:\n${result.errors.map((error) => `  - ${error.message}`).join('\n')}`);
  }
  return `${result.supergraphSdl.trimEnd()}\n`;
}
