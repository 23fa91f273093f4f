/**
 * The executor asks a subgraph for each distinct entity once per fetch: on The Guild's benchmark
 * shape every review's author is one user and most products one product, so a fetch's
 * representations repeat. The answer, and the errors with their paths, stay those of asking for
 * every object: the same as the unfederated graph's.
 */
import { GUILD_SUBGRAPHS } from '../../bench/gateway/guildSubgraphs';
import { RepresentationIndex } from '../src/execution/representationIndex';
import { representationLists, throughTheExecutor, unfederated, type Subgraphs } from './support/guildShape';

describe('entity fetches of the Guild benchmark shape', () => {
  it('send each distinct representation once per fetch, and answer as the unfederated graph', async () => {
    const { result, sent } = await throughTheExecutor();
    expect(result.errors).toEqual([]);
    expect(JSON.parse(JSON.stringify(result.data))).toEqual((await unfederated()).data);
    const entityFetches = sent.flatMap(representationLists);
    expect(entityFetches.length).toBeGreaterThan(0);
    for (const representations of entityFetches) {
      const keys = representations.map((representation) => JSON.stringify(representation));
      expect(new Set(keys).size).toBe(keys.length);
    }
    // Every user's reviews are of product 1, by user 1: the nested fetches ask for one entity each
    // (and those of one stage that ask the same of it ask once, see entityBatches.unit.test.ts).
    expect(entityFetches.filter((representations) => representations.length === 1)).toHaveLength(4);
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
    const { result } = await throughTheExecutor({ subgraphs });
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

describe('the distinct representations of a fetch', () => {
  it('are found at one place exactly when their JSON is the same text', () => {
    const representations: Record<string, unknown>[] = [
      { __typename: 'Product', upc: '1' },
      { __typename: 'Product', upc: 1 },
      { __typename: 'Product', upc: '1' },
      { upc: '1', __typename: 'Product' },
      { __typename: 'Product', upc: '1', weight: null },
      { __typename: 'Product', upc: '1', weight: 0 },
      { __typename: 'Product', upc: '1', weight: false },
      { __typename: 'Product', upc: '1', dimensions: { width: 2 } },
      { __typename: 'Product', upc: '1', dimensions: { width: 2 } },
      { __typename: 'Product', upc: '1', dimensions: [2] },
      { __typename: 'User', upc: '1' },
      { __typename: 'Product', upc: '1', weight: null },
    ];
    const distinct = new RepresentationIndex();
    const places: number[] = [];
    for (const representation of representations) places.push(distinct.placeOf(representation, places.length));
    const texts = representations.map((representation) => JSON.stringify(representation));
    expect(places).toEqual(texts.map((text) => texts.indexOf(text)));
  });
});
