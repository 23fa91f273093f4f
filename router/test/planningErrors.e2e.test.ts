/**
 * A valid operation the query planner cannot plan is answered as a GraphQL error in JSON (500,
 * INTERNAL_SERVER_ERROR), as any other fault of the router: when the planner throws ("Was not able
 * to find any options", as on the federation audit's corrupted-supergraph-node-id suite), and when
 * it returns a plan that fetches nothing for an operation that asks for data (as on the audit's
 * non-resolvable-interface-object suite), which would otherwise be answered with nulls and no error.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { composeServices } from '@apollo/composition';
import type { RunningService } from '@roombook/kernel';
import { parse } from 'graphql';
import { configSchema } from '../src/config';
import { startRouter } from '../src/server';
import { postGraphQL } from '../../test/support/graphqlClient';

/** Never called: planning fails before any fetch. */
const NOWHERE = 'http://127.0.0.1:9/graphql';
const LINK = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@interfaceObject"])`;

/** Two subgraphs each resolving a listing by id, each knowing the other's listing type only by an external key. */
const UNPLANNABLE = [
  {
    name: 'rooms',
    typeDefs: `${LINK}
      type Query { listing(id: ID!): Listing @shareable }
      interface Listing { id: ID! }
      type Room implements Listing @key(fields: "id") { id: ID! name: String }
      type Desk implements Listing @key(fields: "id") { id: ID! @external }`,
  },
  {
    name: 'desks',
    typeDefs: `${LINK}
      type Query { listing(id: ID!): Listing @shareable }
      interface Listing { id: ID! }
      type Room implements Listing @key(fields: "id") { id: ID! @external }
      type Desk implements Listing @key(fields: "id") { id: ID! seats: Int }`,
  },
];

/** A featured listing whose rating only a subgraph that cannot be asked for listings (not resolvable) knows. */
const UNREACHABLE = [
  {
    name: 'listings',
    typeDefs: `${LINK}
      type Query { featured: Listing }
      interface Listing @key(fields: "id") { id: ID! }`,
  },
  {
    name: 'ratings',
    typeDefs: `${LINK}
      type Listing @key(fields: "id", resolvable: false) @interfaceObject { id: ID! rating: Float }`,
  },
];

const folder = mkdtempSync(join(tmpdir(), 'planning-errors-'));
const routers: RunningService[] = [];

async function routerFor(subgraphs: readonly { name: string; typeDefs: string }[]): Promise<RunningService> {
  const composed = composeServices(
    subgraphs.map(({ name, typeDefs }) => ({ name, url: NOWHERE, typeDefs: parse(typeDefs) })),
  );
  if (composed.errors) throw new Error(composed.errors.map((error) => error.message).join('; '));
  const supergraphPath = join(folder, `supergraph-${routers.length}.graphql`);
  writeFileSync(supergraphPath, composed.supergraphSdl);
  const router = await startRouter(
    configSchema.parse({ PORT: '0', LOG_LEVEL: 'silent', NODE_ENV: 'test', SUPERGRAPH_PATH: supergraphPath }),
  );
  routers.push(router);
  return router;
}

afterAll(async () => {
  await Promise.all(routers.map((router) => router.stop()));
  rmSync(folder, { recursive: true, force: true });
});

it('answers an operation the planner cannot plan with a GraphQL error, in JSON', async () => {
  const router = await routerFor(UNPLANNABLE);
  const answer = await postGraphQL(router.url, `{ listing(id: "1") { id } }`);
  expect(answer.status).toBe(500);
  expect(answer.data ?? null).toBeNull();
  expect(answer.errors).toEqual([
    expect.objectContaining({
      message: expect.stringContaining('Was not able to find any options'),
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    }),
  ]);
});

it('refuses an operation whose plan fetches nothing although it asks for data', async () => {
  const router = await routerFor(UNREACHABLE);
  const answer = await postGraphQL(router.url, `{ featured { rating } }`);
  expect(answer.status).toBe(500);
  expect(answer.data ?? null).toBeNull();
  expect(answer.errors).toEqual([
    {
      message: 'The query planner found no way to fetch featured',
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    },
  ]);
  // Nothing to fetch, nothing asked of a subgraph: answered.
  expect(
    await postGraphQL(
      router.url,
      `query($withRating: Boolean = false) { __typename featured @include(if: $withRating) { rating } }`,
    ),
  ).toEqual({
    status: 200,
    data: { __typename: 'Query' },
  });
});
