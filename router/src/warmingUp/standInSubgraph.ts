import { createServer, type Server } from 'node:http';
import { addMocksToSchema } from '@graphql-tools/mock';
import {
  executeSync,
  extendSchema,
  isObjectType,
  isScalarType,
  isSpecifiedScalarType,
  parse,
  type ExecutionResult,
  type GraphQLSchema,
} from 'graphql';

/**
 * One loopback server standing in for every subgraph during the router's warm-up: it answers any
 * fetch of a plan with mocked values of the right types (@graphql-tools/mock over the supergraph,
 * which has every subgraph's fields), so the router's executor runs the plan end to end while no
 * real subgraph is called and nothing is booked. `fetches` counts what it answered, for the tests.
 */
export function standInSubgraph(supergraph: GraphQLSchema): { readonly server: Server; fetches(): number } {
  const schema = mockedSubgraph(supergraph);
  let fetches = 0;
  const server = createServer((incoming, response) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      fetches += 1;
      const answer = answerOf(schema, Buffer.concat(chunks).toString('utf8'));
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
    });
  });
  return { server, fetches: () => fetches };
}

function answerOf(schema: GraphQLSchema, body: string): ExecutionResult {
  try {
    const { query, variables } = JSON.parse(body) as { query: string; variables?: Record<string, unknown> };
    return executeSync({ schema, document: parse(query), variableValues: variables });
  } catch {
    // A fetch it cannot read gets null: the executor's error path is warmed as well.
    return { data: null };
  }
}

/**
 * The supergraph as a subgraph serves it, mocked: with the `_entities` field the plans' entity
 * fetches select, one entity of the representation's type per representation. Values are fixed
 * (an enum's first value, 1, true) but ids, which are uuids so that a list's entities make distinct
 * representations; lists have two items, so the executor walks them.
 */
function mockedSubgraph(supergraph: GraphQLSchema): GraphQLSchema {
  const roots = new Set([supergraph.getQueryType(), supergraph.getMutationType(), supergraph.getSubscriptionType()]);
  const types = Object.values(supergraph.getTypeMap());
  const objectTypes = types.filter((type) => isObjectType(type) && !type.name.startsWith('__') && !roots.has(type));
  const schema = extendSchema(
    supergraph,
    parse(`scalar _Any
      union _Entity = ${objectTypes.map((type) => type.name).join(' | ')}
      extend type Query { _entities(representations: [_Any!]!): [_Entity]! }`),
  );
  // The router passes leaf values through as they come (it checks only enums): a value shaped like the real one.
  const customScalars = types.filter((type) => isScalarType(type) && !isSpecifiedScalarType(type));
  const mocks = Object.fromEntries(
    customScalars.map(({ name }) => [name, () => CUSTOM_SCALAR_VALUES[name] ?? 'warm-up']),
  );
  return addMocksToSchema({
    schema,
    mocks,
    mockGenerationBehavior: 'deterministic',
    resolvers: {
      Query: {
        _entities: (_: unknown, { representations }: { representations: { __typename: string }[] }) =>
          representations.map(({ __typename }) => ({ __typename })),
      },
    },
  });
}

const CUSTOM_SCALAR_VALUES: Readonly<Record<string, string>> = {
  Date: '2030-01-01',
  DateTime: '2030-01-01T00:00:00.000Z',
};
