/**
 * A valid operation the query planner cannot plan (it throws "Was not able to find any options",
 * as on the federation audit's corrupted-supergraph-node-id suite) is answered as a GraphQL error
 * in JSON, as any other fault of the router, not as an HTML error page.
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
const LINK = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external"])`;

/** Two subgraphs each resolving a listing by id, each knowing the other's listing type only by an external key. */
const SUBGRAPHS = [
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

const folder = mkdtempSync(join(tmpdir(), 'planning-errors-'));
let router: RunningService;

beforeAll(async () => {
  const composed = composeServices(
    SUBGRAPHS.map(({ name, typeDefs }) => ({ name, url: NOWHERE, typeDefs: parse(typeDefs) })),
  );
  if (composed.errors) throw new Error(composed.errors.map((error) => error.message).join('; '));
  const supergraphPath = join(folder, 'supergraph.graphql');
  writeFileSync(supergraphPath, composed.supergraphSdl);
  router = await startRouter(
    configSchema.parse({ PORT: '0', LOG_LEVEL: 'silent', NODE_ENV: 'test', SUPERGRAPH_PATH: supergraphPath }),
  );
});
afterAll(async () => {
  await router?.stop();
  rmSync(folder, { recursive: true, force: true });
});

it('answers an operation the planner cannot plan with a GraphQL error, in JSON', async () => {
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
