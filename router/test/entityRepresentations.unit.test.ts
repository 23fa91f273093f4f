/**
 * The executor asks a subgraph for each distinct entity once per fetch: on The Guild's benchmark
 * shape every review's author is one user and most products one product, so a fetch's
 * representations repeat. The answer, and the errors with their paths, stay those of asking for
 * every object: the same as the unfederated graph's.
 */
import { composeServices } from '@apollo/composition';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { ANONYMOUS } from '@roombook/kernel';
import { execute, getOperationAST, parse, type ExecutionResult, type GraphQLSchema } from 'graphql';
import { GUILD_QUERY, GUILD_SUBGRAPHS, monolithSchema } from '../../bench/gateway/guildSubgraphs';
import { executePlan } from '../src/execution/executePlan';
import { OperationPlans } from '../src/execution/operationPlans';
import type { RouterContext } from '../src/gateway';
import type { SubgraphClient } from '../src/subgraphClient';

type Subgraphs = typeof GUILD_SUBGRAPHS;
type Name = keyof Subgraphs;
const NAMES = Object.keys(GUILD_SUBGRAPHS) as Name[];

interface Sent {
  readonly subgraph: Name;
  readonly query: string;
  readonly variables: Record<string, unknown>;
}

/** The representations of each `_entities` field of a request (one, or one per batched fetch). */
const representationLists = ({ variables }: Sent) =>
  Object.entries(variables)
    .filter(([name]) => name.startsWith('representations'))
    .map(([, list]) => list as unknown[]);

/** Each subgraph executed in process, its requests recorded, its answers as JSON text parsed. */
function inProcessClients(subgraphs: Subgraphs, sent: Sent[]): Map<string, SubgraphClient> {
  return new Map(
    NAMES.map((name) => {
      const schema: GraphQLSchema = buildSubgraphSchema([subgraphs[name]]);
      const client = {
        fetch: async (request: { query: string; variables: object; operationName?: string }) => {
          sent.push({ subgraph: name, query: request.query, variables: request.variables as Record<string, unknown> });
          const result = await execute({
            schema,
            document: parse(request.query),
            variableValues: request.variables as Record<string, unknown>,
            operationName: request.operationName,
          });
          return JSON.parse(JSON.stringify(result)) as ExecutionResult;
        },
      };
      return [name, client as unknown as SubgraphClient];
    }),
  );
}

async function throughTheExecutor(subgraphs: Subgraphs) {
  const composed = composeServices(
    NAMES.map((name) => ({ name, url: `http://${name}.invalid/graphql`, typeDefs: subgraphs[name].typeDefs })),
  );
  const plans = new OperationPlans(composed.supergraphSdl!);
  const document = parse(GUILD_QUERY);
  const operation = getOperationAST(document)!;
  const prepared = plans.planOf(GUILD_QUERY, document, operation);
  const sent: Sent[] = [];
  const result = await executePlan(
    prepared,
    { variables: {}, coerced: {}, context: { identity: ANONYMOUS } satisfies RouterContext, shapes: prepared.shapes },
    inProcessClients(subgraphs, sent),
    { api: plans.apiSchema, supergraph: plans.supergraphSchema },
  );
  return { result, sent };
}

async function unfederated(inStock: (upc: string) => boolean) {
  const { schema, rootValue } = monolithSchema();
  const result = await execute({ schema, document: parse(GUILD_QUERY), rootValue });
  // The monolith's products answer inStock from their data: errors are placed where the federated one's fail.
  const paths: string[] = [];
  const walk = (value: unknown, path: (string | number)[]): void => {
    if (Array.isArray(value)) value.forEach((item, index) => walk(item, [...path, index]));
    else if (value && typeof value === 'object') {
      const object = value as Record<string, unknown>;
      if ('inStock' in object && typeof object.upc === 'string' && !inStock(object.upc)) {
        object.inStock = null;
        paths.push([...path, 'inStock'].join('.'));
      }
      for (const [key, item] of Object.entries(object)) walk(item, [...path, key]);
    }
  };
  walk(result.data, []);
  return { data: JSON.parse(JSON.stringify(result.data)) as unknown, paths: paths.sort() };
}

describe('entity fetches of the Guild benchmark shape', () => {
  it('send each distinct representation once per fetch, and answer as the unfederated graph', async () => {
    const { result, sent } = await throughTheExecutor(GUILD_SUBGRAPHS);
    expect(result.errors).toEqual([]);
    expect(JSON.parse(JSON.stringify(result.data))).toEqual((await unfederated(() => true)).data);
    const entityFetches = sent.flatMap(representationLists);
    expect(entityFetches.length).toBeGreaterThan(0);
    for (const representations of entityFetches) {
      const keys = representations.map((representation) => JSON.stringify(representation));
      expect(new Set(keys).size).toBe(keys.length);
    }
    // Every user's reviews are of product 1, by user 1: the nested fetches ask for one entity each.
    expect(entityFetches.filter((representations) => representations.length === 1).length).toBeGreaterThan(5);
  });

  it('go to a subgraph as one request when they are ready together, each answered as if sent alone', async () => {
    const { result, sent } = await throughTheExecutor(GUILD_SUBGRAPHS);
    expect(result.errors).toEqual([]);
    expect(JSON.parse(JSON.stringify(result.data))).toEqual((await unfederated(() => true)).data);
    // The plan's 16 fetches: 2 root fields and 14 entity fetches, these in fewer requests.
    const entityRequests = sent.filter((request) => representationLists(request).length > 0);
    expect(sent.length - entityRequests.length).toBe(2);
    expect(entityRequests.flatMap(representationLists)).toHaveLength(14);
    expect(entityRequests.length).toBeLessThan(14);
    const batched = entityRequests.filter((request) => representationLists(request).length > 1);
    expect(batched.length).toBeGreaterThan(0);
    for (const { query } of batched)
      expect(query).toMatch(/_0_entities: _entities\(representations: \$representations_0\)/);
  });

  it('report an entity’s error at every place the entity is in the response', async () => {
    const failing = new Error('The inventory of product 1 is unknown');
    const inventory = GUILD_SUBGRAPHS.inventory;
    const subgraphs = {
      ...GUILD_SUBGRAPHS,
      inventory: {
        ...inventory,
        resolvers: {
          Product: {
            ...inventory.resolvers.Product,
            inStock: (product: { upc: string }) => {
              if (product.upc === '1') throw failing;
              return inventory.resolvers.Product.inStock(product);
            },
          },
        },
      },
    } as unknown as Subgraphs;
    const { result } = await throughTheExecutor(subgraphs);
    const expected = await unfederated((upc) => upc !== '1');
    expect(expected.paths.length).toBeGreaterThan(10);
    expect(JSON.parse(JSON.stringify(result.data))).toEqual(expected.data);
    expect(result.errors.map((error) => error.path!.join('.')).sort()).toEqual(expected.paths);
    for (const error of result.errors) {
      expect(error.message).toBe(failing.message);
      expect(error.extensions.serviceName).toBe('inventory');
    }
  });
});
