/**
 * Entity fetches batched into one operation are each answered as if sent alone, also when one of
 * them fails as a whole: a reference resolver that throws (rather than rejects) fails its
 * `_entities` field, which nulls the whole operation's data, and must not take the others with it.
 * Which fetches go together is the plan's (level by level), the same for every request of it.
 */
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { ANONYMOUS } from '@roombook/kernel';
import { execute, parse } from 'graphql';
import { GUILD_SUBGRAPHS } from '../../bench/gateway/guildSubgraphs';
import { EntityBatches, planBatches, type EntityRequest } from '../src/execution/fetchBatches';
import type { PreparedFetch, Step } from '../src/execution/preparedPlan';
import type { RouterContext } from '../src/gateway';
import type { SubgraphClient } from '../src/subgraphClient';
import {
  NAMES,
  representationLists,
  throughTheExecutor,
  unfederated,
  type Pace,
  type Subgraphs,
} from './support/guildShape';

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
          return { upc };
        },
        stock: ({ upc }: { upc: string }) => {
          if (upc === 'dd') throw new Error('No stock of dd');
          return upc.length;
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

/** An answer as the executor reads it: an error's locations are in the operation sent, and not passed on. */
const asRead = ({ data, errors }: GatewayGraphQLResponse) => ({
  data,
  ...(errors ? { errors: errors.map(({ locations: _, ...error }) => error) } : {}),
});

/**
 * The requests as one group of a plan's fetches, each ready; `operations` says which ask the same
 * of their entities (by the place of the first that does), by default none.
 */
function together(
  client: SubgraphClient,
  requests: readonly EntityRequest[],
  operations = requests.map((_, member) => member),
) {
  const batches = new EntityBatches({ sizes: [requests.length], operations: [operations], under: new Map() }, {
    identity: ANONYMOUS,
  } satisfies RouterContext);
  return Promise.all(requests.map((request, member) => batches.fetch(client, { group: 0, member }, request)));
}

it('answers each of several fetches ready together from one request, as if each were sent alone', async () => {
  const sent: EntityRequest[] = [];
  const requests = [stockOf('a', 'bb'), stockOf('ccc')];
  const answers = await together(inProcessClient(sent), requests);
  expect(sent).toHaveLength(1);
  expect(answers).toEqual(await Promise.all(requests.map(alone)));
  expect(answers[1]).toEqual({ data: { _entities: [{ stock: 3 }] } });
});

it.each([
  ['different operations', [0, 1, 2]],
  ['one operation', [0, 0, 0]],
])(
  'sends each fetch alone when one failed the batched operation as a whole, so only that one fails (%s)',
  async (_, operations) => {
    const sent: EntityRequest[] = [];
    const requests = [stockOf('a'), stockOf('unknown'), stockOf('bb')];
    const answers = await together(inProcessClient(sent), requests, operations);
    expect(answers).toEqual(await Promise.all(requests.map(alone)));
    expect(answers[0]).toEqual({ data: { _entities: [{ stock: 1 }] } });
    expect(answers[1]).toMatchObject({ data: null, errors: [{ message: 'No product unknown', path: ['_entities'] }] });
    expect(answers[2]).toEqual({ data: { _entities: [{ stock: 2 }] } });
    // The batched request, then each fetch alone.
    expect(sent).toHaveLength(4);
  },
);

it('asks once for the entities of fetches that ask the same of them, each answered as if sent alone', async () => {
  const sent: EntityRequest[] = [];
  // The first and third fetch ask the same (one operation), the second apart; dd's stock fails.
  const requests = [stockOf('a', 'dd'), stockOf('ccc'), stockOf('dd', 'bb', 'a')];
  const answers = await together(inProcessClient(sent), requests, [0, 1, 0]);
  expect(answers.map(asRead)).toEqual((await Promise.all(requests.map(alone))).map(asRead));
  expect(answers[2]).toMatchObject({
    data: { _entities: [{ stock: null }, { stock: 2 }, { stock: 1 }] },
    errors: [{ message: 'No stock of dd', path: ['_entities', 0, 'stock'] }],
  });
  expect(sent).toHaveLength(1);
  const upcs = (list: unknown) => (list as { upc: string }[]).map(({ upc }) => upc);
  expect(upcs(sent[0].variables.representations_0)).toEqual(['a', 'dd', 'bb']);
  expect(upcs(sent[0].variables.representations_1)).toEqual(['ccc']);
  // No two fetches share an entity object: each merges its own into the response.
  expect((answers[2].data as { _entities: unknown[] })._entities[2]).not.toBe(
    (answers[0].data as { _entities: unknown[] })._entities[0],
  );
});

it('sends one operation as it is when every fetch of the group asks the same', async () => {
  const sent: EntityRequest[] = [];
  const requests = [stockOf('a', 'bb'), stockOf('bb', 'ccc')];
  const answers = await together(inProcessClient(sent), requests, [0, 0]);
  expect(answers).toEqual(await Promise.all(requests.map(alone)));
  expect(sent).toEqual([stockOf('a', 'bb', 'ccc')]);
});

describe('which entity fetches of a plan go together', () => {
  /** A fetch step to `serviceName`, of its entities unless it is a root fetch. */
  const fetchTo = (serviceName: string, entity = true): Step => ({
    kind: 'Fetch',
    id: undefined,
    fetch: {
      serviceName,
      operation: `query { ${serviceName} }`,
      operationName: undefined,
      mutation: false,
      variableUsages: [],
      representation: entity ? (object) => object : undefined,
      inputRewrites: undefined,
      outputRewrites: undefined,
      batch: undefined,
    },
  });
  const sequence = (...steps: Step[]): Step => ({ kind: 'Sequence', steps });
  const parallel = (...steps: Step[]): Step => ({ kind: 'Parallel', steps });
  const fetchOf = (step: Step) => (step as { fetch: PreparedFetch }).fetch;

  it('puts a fetch alone at its stage with later fetches to its subgraph when nothing follows it', () => {
    const early = fetchTo('inventory');
    const late = fetchTo('inventory');
    // early can run at stage 1, late at stage 2; the plan is 3 stages long either way.
    const batches = planBatches(
      parallel(sequence(fetchTo('a', false), early), sequence(fetchTo('b', false), fetchTo('products'), late)),
    );
    expect(batches?.plan.sizes).toEqual([2]);
    expect(batches?.members.get(fetchOf(early))).toEqual({ group: 0, member: 0 });
    expect(batches?.members.get(fetchOf(late))).toEqual({ group: 0, member: 1 });
  });

  it('keeps a fetch at its stage when waiting would make the plan longer', () => {
    // early is followed by a products fetch: at stage 2, that one would end a stage after the plan.
    const batches = planBatches(
      parallel(
        sequence(fetchTo('a', false), fetchTo('inventory'), fetchTo('products')),
        sequence(fetchTo('b', false), fetchTo('reviews'), fetchTo('inventory')),
      ),
    );
    expect(batches).toBeUndefined();
  });

  it('moves the fetches that follow one that waits, so they run after its group', () => {
    // early (stage 1) waits for stage 2, its follower goes from stage 2 to 3, where the other
    // accounts fetch is: both groups form, and the plan stays 4 stages long.
    const early = fetchTo('inventory');
    const follower = fetchTo('accounts');
    const batches = planBatches(
      parallel(
        sequence(fetchTo('a', false), early, follower),
        sequence(fetchTo('b', false), fetchTo('reviews'), fetchTo('inventory'), fetchTo('accounts')),
      ),
    );
    expect(batches?.plan.sizes).toEqual([2, 2]);
    expect(batches?.members.get(fetchOf(early))?.group).not.toBe(batches?.members.get(fetchOf(follower))?.group);
  });
});

describe('entity fetches of the Guild benchmark shape', () => {
  it('go to a subgraph as one request when they are ready together, each answered as if sent alone', async () => {
    const { result, sent } = await throughTheExecutor();
    expect(result.errors).toEqual([]);
    expect(JSON.parse(JSON.stringify(result.data))).toEqual((await unfederated()).data);
    // The plan's 16 fetches: 2 root fields and 14 entity fetches, these in 5 requests, one per
    // subgraph and stage (stage 1: reviews; 2: products, inventory, accounts; 3: inventory): the
    // top products' inventory fetch, which could go at stage 1 but has nothing after it, waits for
    // the inventory fetches of stage 2 (alone at stage 1 it was a request of its own). 7
    // `_entities` fields: those of a request that ask the same of their entities share one (the 3
    // of products, the 3 and the 3 of inventory, the 2 of accounts).
    const entityRequests = sent.filter((request) => representationLists(request).length > 0);
    expect(sent.length - entityRequests.length).toBe(2);
    expect(entityRequests.map(({ subgraph }) => subgraph).sort()).toEqual([
      'accounts',
      'inventory',
      'inventory',
      'products',
      'reviews',
    ]);
    expect(entityRequests.flatMap(representationLists)).toHaveLength(7);
    const batched = entityRequests.filter((request) => representationLists(request).length > 1);
    expect(batched.length).toBeGreaterThan(0);
    for (const { query } of batched)
      expect(query).toMatch(/_0_entities:_entities\(representations:\$representations_0\)/);
  });

  it('send the same operations for every request of the plan, however fast each subgraph answers', async () => {
    // The subgraphs answer in a different order in each run: fetches become ready in other turns.
    const paces: Pace[] = [
      () => 0,
      (subgraph) => NAMES.indexOf(subgraph) * 3,
      (subgraph) => (NAMES.length - NAMES.indexOf(subgraph)) * 3,
      (subgraph) => (subgraph === 'products' ? 7 : 1),
    ];
    const expected = (await unfederated()).data;
    const operations = async (pace: Pace) => {
      const { result, sent } = await throughTheExecutor({ pace });
      expect(result.errors).toEqual([]);
      expect(JSON.parse(JSON.stringify(result.data))).toEqual(expected);
      return sent.map(({ subgraph, query, variables }) => JSON.stringify({ subgraph, query, variables })).sort();
    };
    const first = await operations(paces[0]);
    for (const pace of paces.slice(1)) expect(await operations(pace)).toEqual(first);
  });

  it('send a group of fetches without those whose step does not run', async () => {
    // No top products: the fetches under topProducts.@ have no objects, and leave their groups.
    const products = GUILD_SUBGRAPHS.products;
    const subgraphs = {
      ...GUILD_SUBGRAPHS,
      products: { ...products, resolvers: { ...products.resolvers, Query: { topProducts: () => [] } } },
    } as unknown as Subgraphs;
    const { result, sent } = await throughTheExecutor({ subgraphs });
    expect(result.errors).toEqual([]);
    const expected = (await unfederated()).data as Record<string, unknown>;
    expect(JSON.parse(JSON.stringify(result.data))).toEqual({ ...expected, topProducts: [] });
    // What is left of the plan: the users' branch, 8 entity fetches in 5 requests (stage 1: reviews;
    // 2: products, inventory, accounts; 3: inventory), as the whole plan sends.
    expect(sent.filter((request) => representationLists(request).length > 0)).toHaveLength(5);
  });

  it('send a group without the fetches of a branch @include leaves out', async () => {
    const query = `query ($withReviews: Boolean!) {
      users { name reviews @include(if: $withReviews) { product { name inStock } } }
      topProducts { name reviews { body } }
    }`;
    for (const withReviews of [false, true]) {
      const { result, sent } = await throughTheExecutor({ query, variables: { withReviews } });
      expect(result.errors).toEqual([]);
      const expected = (await unfederated(undefined, query, { withReviews })).data;
      expect(JSON.parse(JSON.stringify(result.data))).toEqual(expected);
      // The users' and the top products' reviews are one group: sent together when both run.
      const toReviews = sent.filter(({ subgraph }) => subgraph === 'reviews');
      expect(toReviews).toHaveLength(1);
      expect(representationLists(toReviews[0])).toHaveLength(withReviews ? 2 : 1);
    }
  });

  it('group the fetches of each deferred block apart, answered whole or in parts', async () => {
    // Each deferred block starts with a fetch to reviews: grouped together, the whole answer (which
    // runs the blocks one after the other) would wait for ever.
    const fields = `users { name ... @defer { reviews { body product { name } } } }
      topProducts { name ... @defer { reviews { body author { name } } } }`;
    const expected = (await unfederated(undefined, `{ ${fields.replaceAll('@defer', '')} }`)).data;
    for (const incremental of [false, true]) {
      const { result, sent } = await throughTheExecutor({ query: `{ ${fields} }`, incremental });
      expect(result.errors).toEqual([]);
      expect(JSON.parse(JSON.stringify(result.data))).toEqual(expected);
      expect(sent.filter(({ subgraph }) => subgraph === 'reviews')).toHaveLength(2);
    }
  });
});
