/**
 * Entity fetches batched into one operation are each answered as if sent alone, also when one of
 * them fails as a whole: a reference resolver that throws (rather than rejects) fails its
 * `_entities` field, which nulls the whole operation's data, and must not take the others with it.
 */
import { buildSubgraphSchema } from '@apollo/subgraph';
import { ANONYMOUS } from '@roombook/kernel';
import { execute, parse } from 'graphql';
import { EntityBatches, type EntityRequest } from '../src/execution/fetchBatches';
import type { RouterContext } from '../src/gateway';
import type { SubgraphClient } from '../src/subgraphClient';

const schema = buildSubgraphSchema([
  {
    typeDefs: parse(`
      extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
      type Product @key(fields: "upc") {
        upc: String!
        stock: Int
      }
      type Query {
        product: Product
      }
    `),
    resolvers: {
      Product: {
        __resolveReference: ({ upc }: { upc: string }) => {
          if (upc === 'unknown') throw new Error('No product unknown');
          return { upc, stock: upc.length };
        },
      },
    },
  },
]);

/** The subgraph executed in process, each request it gets recorded, its answers as JSON text parsed. */
function inProcessClient(sent: EntityRequest[]): SubgraphClient {
  const client = {
    fetch: async (request: EntityRequest) => {
      sent.push(request);
      const result = await execute({ schema, document: parse(request.query), variableValues: request.variables });
      return JSON.parse(JSON.stringify(result)) as unknown;
    },
  };
  return client as unknown as SubgraphClient;
}

const STOCK = `query($representations: [_Any!]!) { _entities(representations: $representations) { ... on Product { stock } } }`;
const stockOf = (...upcs: string[]): EntityRequest => ({
  query: STOCK,
  operationName: undefined,
  variables: { representations: upcs.map((upc) => ({ __typename: 'Product', upc })) },
});

async function alone(request: EntityRequest) {
  return inProcessClient([]).fetch(request, false, { identity: ANONYMOUS });
}

it('answers each of several fetches ready together from one request, as if each were sent alone', async () => {
  const sent: EntityRequest[] = [];
  const batches = new EntityBatches({ identity: ANONYMOUS } satisfies RouterContext);
  const client = inProcessClient(sent);
  const requests = [stockOf('a', 'bb'), stockOf('ccc')];
  const answers = await Promise.all(requests.map((request) => batches.fetch(client, request)));
  expect(sent).toHaveLength(1);
  expect(answers).toEqual(await Promise.all(requests.map(alone)));
  expect(answers[1]).toEqual({ data: { _entities: [{ stock: 3 }] } });
});

it('sends each fetch alone when one failed the batched operation as a whole, so only that one fails', async () => {
  const sent: EntityRequest[] = [];
  const batches = new EntityBatches({ identity: ANONYMOUS } satisfies RouterContext);
  const client = inProcessClient(sent);
  const requests = [stockOf('a'), stockOf('unknown'), stockOf('bb')];
  const answers = await Promise.all(requests.map((request) => batches.fetch(client, request)));
  expect(answers).toEqual(await Promise.all(requests.map(alone)));
  expect(answers[0]).toEqual({ data: { _entities: [{ stock: 1 }] } });
  expect(answers[1]).toMatchObject({ data: null, errors: [{ message: 'No product unknown', path: ['_entities'] }] });
  expect(answers[2]).toEqual({ data: { _entities: [{ stock: 2 }] } });
  // The batched request, then each fetch alone.
  expect(sent).toHaveLength(4);
});
