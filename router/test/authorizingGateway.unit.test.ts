/**
 * How the answer to an operation as sent is completed from the gateway's answer to the narrowed
 * one: removed fields null inside lists and behind interfaces, non-null ones nulling their parent,
 * the plan cache key of the narrowed text. The gateway here is a stand-in that answers what the
 * narrowed operation asks (the real one is exercised by authorization.e2e.test.ts).
 */
import { composeServices } from '@apollo/composition';
import type { GatewayExecutor, GatewayGraphQLRequestContext, GatewayInterface } from '@apollo/server-gateway-interface';
import { ANONYMOUS, type Identity } from '@roombook/kernel';
import { parse, print } from 'graphql';
import { AccessRules } from '../src/authorization/accessRules';
import { authorizingGateway } from '../src/authorization/authorizingGateway';

const composed = composeServices([
  {
    name: 'shelf',
    url: 'http://shelf.invalid/graphql',
    typeDefs: parse(`
      extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@authenticated"])
      interface Item { id: ID! }
      type Book implements Item @key(fields: "id") { id: ID! title: String! notes: String @authenticated }
      type Pen implements Item @key(fields: "id") { id: ID! colour: String! owner: String! @authenticated }
      type Query { items: [Item!]! }
    `),
  },
]);
if (composed.errors) throw composed.errors[0];
const supergraph = composed.supergraphSdl;

/** Answers the narrowed operation from a fixed catalogue, as the gateway would. */
const ANSWERS: Record<string, unknown> = {
  '{ items { ... on Book { id title } ... on Pen { id colour } __typename } }': {
    items: [
      { __typename: 'Book', id: 'b1', title: 'Dune' },
      { __typename: 'Pen', id: 'p1', colour: 'red' },
    ],
  },
};

async function run(operation: string, identity: Identity) {
  const seen: GatewayGraphQLRequestContext[] = [];
  const executor: GatewayExecutor = async (context) => {
    seen.push(context);
    const text = print(context.document).replace(/\s+/g, ' ');
    return text in ANSWERS ? { data: ANSWERS[text] as Record<string, unknown> } : { errors: [] };
  };
  const inner: GatewayInterface = {
    load: async () => ({ executor }),
    onSchemaLoadOrUpdate: () => () => undefined,
    stop: async () => undefined,
  };
  const gateway = authorizingGateway(inner, supergraph, AccessRules.fromSupergraph(supergraph));
  const { executor: authorizing } = await gateway.load({ apollo: {} });
  const document = parse(operation);
  const result = await authorizing!({
    request: { query: operation, variables: {} },
    context: { identity },
    document,
    source: operation,
    queryHash: 'hash-of-the-text-sent',
    operationName: null,
    operation: document.definitions[0],
  } as unknown as GatewayGraphQLRequestContext);
  return { result, seen };
}

it('answers removed fields null in every item of a list, behind an interface, with one error per field', async () => {
  const { result, seen } = await run(
    '{ items { ... on Book { id title notes } ... on Pen { id colour } } }',
    ANONYMOUS,
  );
  expect(result.data).toEqual({
    items: [
      { id: 'b1', title: 'Dune', notes: null },
      { id: 'p1', colour: 'red' },
    ],
  });
  expect(result.errors?.map((error) => ({ path: error.path, code: error.extensions?.code }))).toEqual([
    { path: ['items', 'notes'], code: 'UNAUTHENTICATED' },
  ]);
  // Planned under the narrowed text's own hash, not the hash of the text sent.
  expect(seen[0].queryHash).not.toBe('hash-of-the-text-sent');
  expect(seen[0].queryHash).toMatch(/^[0-9a-f]{64}$/);
});

it('nulls the item, and then the list, when a removed field is non-null', async () => {
  const { result } = await run('{ items { ... on Book { id title } ... on Pen { id colour owner } } }', ANONYMOUS);
  // Pen.owner is String!: the Pen is null, and [Item!]! cannot hold it, so neither can the root.
  expect(result.data).toBeNull();
  expect(result.errors?.map((error) => error.extensions?.code)).toEqual(['UNAUTHENTICATED']);
});

it('hands an operation the caller may read whole to the gateway as it came', async () => {
  const { seen } = await run('{ items { ... on Book { id notes } } }', { kind: 'user', userId: 'u', roles: [] });
  expect(seen[0].queryHash).toBe('hash-of-the-text-sent');
});
