/** What the system reveals of itself with NODE_ENV=production, through the router and to a subgraph's caller. */
import { ANONYMOUS, IDENTITY_HEADER, InternalTokens } from '@roombook/kernel';
import { postGraphQL } from '../../test/support/graphqlClient';
import { connectLive } from '../../test/support/liveClient';
import { startSystem, type TestSystem } from '../../test/support/system';

const SUBGRAPH_SECRET = 'production-subgraph-secret-for-this-test';
const production = { NODE_ENV: 'production', SUBGRAPH_SECRET };
let system: TestSystem;

beforeAll(async () => {
  system = await startSystem(['room'], {
    router: { ...production, JWT_SECRET: 'production-jwt-secret-for-this-test-0123456789' },
    subgraphs: { room: production },
  });
});
afterAll(() => system.stop());

const MISSPELT = `{ rooms { totalCont } }`;

describe('field suggestions in production', () => {
  it('the router does not suggest fields ("Did you mean ...?")', async () => {
    const response = await system.graphql(MISSPELT);
    expect(response.status).toBe(400);
    expect(response.errors?.[0]?.message).toMatch(/totalCont/);
    expect(JSON.stringify(response.errors)).not.toMatch(/did you mean|totalCount/i);
  });

  it('the router does not suggest fields to a subscription', async () => {
    const live = connectLive(system.routerUrl);
    try {
      const { completed, error } = await live.subscribe('subscription { roomChanged { nam } }').ended;
      expect(completed).toBe(false);
      expect(JSON.stringify(error)).toMatch(/nam/);
      expect(JSON.stringify(error)).not.toMatch(/did you mean|"name"/i);
    } finally {
      await live.dispose();
    }
  });

  it('a subgraph does not suggest fields to a caller with a valid identity token', async () => {
    const token = await new InternalTokens(SUBGRAPH_SECRET).sign(ANONYMOUS, 'room');
    const response = await postGraphQL(system.subgraph('room').url, MISSPELT, {}, { [IDENTITY_HEADER]: token });
    expect(response.errors?.[0]?.message).toMatch(/totalCont/);
    expect(JSON.stringify(response.errors)).not.toMatch(/did you mean|totalCount/i);
  });
});
