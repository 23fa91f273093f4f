/**
 * Authorization at the router, through the real router and subgraphs: the fields a caller may not
 * read (@authenticated, @requiresScopes, @policy in the subgraphs' SDL) are removed before
 * planning and answered null with one error each, the rest of the answer stays, and the subgraph
 * that owns them receives no fetch at all (counted by a proxy in front of it).
 */
import { DEV_SUBGRAPH_SECRET, IDENTITY_HEADER, InternalTokens } from '@roombook/kernel';
import { registerRoom } from '../../test/support/booking';
import { postGraphQL, bearer } from '../../test/support/graphqlClient';
import { startSubgraphProxy, type SubgraphProxy } from '../../test/support/subgraphProxy';
import { startSystem, type TestSystem } from '../../test/support/system';
import { tokenFor } from '../../test/support/tokens';

let system: TestSystem;
const proxies: Record<'reservation' | 'payment' | 'dashboard', SubgraphProxy> = {} as never;
let roomId: string;
let host: string;

beforeAll(async () => {
  for (const name of ['reservation', 'payment', 'dashboard'] as const) proxies[name] = await startSubgraphProxy();
  system = await startSystem(['room', 'payment', 'reservation', 'dashboard'], {
    router: {
      SUBGRAPH_RESERVATION_URL: proxies.reservation.url,
      SUBGRAPH_PAYMENT_URL: proxies.payment.url,
      SUBGRAPH_DASHBOARD_URL: proxies.dashboard.url,
    },
  });
  for (const name of ['reservation', 'payment', 'dashboard'] as const) proxies[name].target = system.subgraph(name).url;
  host = await tokenFor('hana', ['HOST']);
  roomId = await registerRoom(system, host, { name: 'Authorized loft' });
});
afterAll(async () => {
  await system?.stop();
  await Promise.all(Object.values(proxies).map((proxy) => proxy.close()));
});

/** Fetches each proxied subgraph received while `run` ran. */
async function fetchesDuring<T>(run: () => Promise<T>): Promise<{ result: T; fetches: Record<string, number> }> {
  const before = Object.fromEntries(Object.entries(proxies).map(([name, proxy]) => [name, proxy.requests]));
  const result = await run();
  const fetches = Object.fromEntries(
    Object.entries(proxies).map(([name, proxy]) => [name, proxy.requests - before[name]]),
  );
  return { result, fetches };
}

const codesAndPaths = (errors: readonly { extensions?: { code?: string }; path?: unknown }[] = []) =>
  errors.map((error) => ({ code: error.extensions?.code, path: error.path }));

it('answers an anonymous caller the public fields, and one UNAUTHENTICATED per @authenticated field, without asking their subgraphs', async () => {
  const { result, fetches } = await fetchesDuring(() =>
    postGraphQL(
      system.routerUrl,
      `query($id: ID!) {
        room(id: $id) { id name }
        reservation(id: "r-unknown") { id status }
        payment(id: "p-unknown") { id status }
      }`,
      { id: roomId },
    ),
  );
  expect(result.status).toBe(200);
  expect(result.data).toEqual({ room: { id: roomId, name: 'Authorized loft' }, reservation: null, payment: null });
  expect(codesAndPaths(result.errors)).toEqual([
    { code: 'UNAUTHENTICATED', path: ['reservation'] },
    { code: 'UNAUTHENTICATED', path: ['payment'] },
  ]);
  expect(result.errors![0].message).toBe('Query.reservation: only signed-in callers may read it (@authenticated)');
  expect(fetches).toEqual({ reservation: 0, payment: 0, dashboard: 0 });
});

it('answers FORBIDDEN for a @requiresScopes field the caller has not the role for, without asking its subgraph', async () => {
  const guest = await tokenFor('gus', ['GUEST']);
  const { result, fetches } = await fetchesDuring(() =>
    postGraphQL(
      system.routerUrl,
      `query($id: ID!) { room(id: $id) { name } roomDashboard(roomId: $id) { name } }`,
      { id: roomId },
      bearer(guest),
    ),
  );
  expect(result.data).toEqual({ room: { name: 'Authorized loft' }, roomDashboard: null });
  expect(codesAndPaths(result.errors)).toEqual([{ code: 'FORBIDDEN', path: ['roomDashboard'] }]);
  expect(result.errors![0].message).toBe('Query.roomDashboard: it requires the role HOST or ADMIN (@requiresScopes)');
  expect(fetches.dashboard).toBe(0);

  // The host has the role: the same operation asks the dashboard subgraph and gets the row.
  const allowed = await postGraphQL(
    system.routerUrl,
    `query($id: ID!) { room(id: $id) { name } roomDashboard(roomId: $id) { roomId } }`,
    { id: roomId },
    bearer(host),
  );
  expect(allowed.errors).toBeUndefined();
  expect(allowed.data!.room).toEqual({ name: 'Authorized loft' });
});

it('answers FORBIDDEN for a @policy field (platformOperator) to a host, and serves it to an operator', async () => {
  const PROJECTION = `{ rooms(first: 1) { edges { node { id } } } dashboardProjection { activeVersion } }`;
  const { result, fetches } = await fetchesDuring(() => postGraphQL(system.routerUrl, PROJECTION, {}, bearer(host)));
  expect(result.data).toEqual({
    rooms: { edges: [expect.objectContaining({ node: expect.any(Object) })] },
    dashboardProjection: null,
  });
  expect(codesAndPaths(result.errors)).toEqual([{ code: 'FORBIDDEN', path: ['dashboardProjection'] }]);
  expect(result.errors![0].message).toBe(
    'Query.dashboardProjection: it requires the policy platformOperator (@policy)',
  );
  expect(fetches.dashboard).toBe(0);

  const operator = await tokenFor('olga', ['ADMIN']);
  const { result: served, fetches: operatorFetches } = await fetchesDuring(() =>
    postGraphQL(system.routerUrl, PROJECTION, {}, bearer(operator)),
  );
  expect(served.errors).toBeUndefined();
  expect(served.data!.dashboardProjection).toEqual({ activeVersion: expect.any(Number) });
  expect(operatorFetches.dashboard).toBe(1);
});

it('keeps the subgraph as a second line: its own check refuses a caller sent to it without the policy', async () => {
  // Straight to the dashboard subgraph with a host's genuine identity token, past the router.
  const tokens = new InternalTokens(DEV_SUBGRAPH_SECRET);
  const hana = { kind: 'user', userId: 'hana', roles: ['HOST'] } as const;
  const direct = await postGraphQL(
    system.subgraph('dashboard').url,
    `{ dashboardProjection { activeVersion } }`,
    {},
    { [IDENTITY_HEADER]: await tokens.sign(hana, 'dashboard') },
  );
  expect(direct.data).toEqual({ dashboardProjection: null });
  expect(codesAndPaths(direct.errors)).toEqual([{ code: 'FORBIDDEN', path: ['dashboardProjection'] }]);
});

it('answers null up to the nearest nullable field when a removed field is non-null', async () => {
  const guest = await tokenFor('gus', ['GUEST']);
  const answer = await postGraphQL(system.routerUrl, `{ dashboard(first: 1) { totalCount } }`, {}, bearer(guest));
  expect(answer.data).toBeNull();
  expect(answer.errors).toEqual([expect.objectContaining({ path: ['dashboard'], extensions: { code: 'FORBIDDEN' } })]);
});

it('gives two callers with different rights different plans for the same operation text', async () => {
  const QUERY = `query($id: ID!) { roomDashboard(roomId: $id) { name } }`;
  const guest = await tokenFor('gus', ['GUEST']);
  const [forGuest, forHost] = await Promise.all([
    postGraphQL(system.routerUrl, QUERY, { id: roomId }, bearer(guest)),
    postGraphQL(system.routerUrl, QUERY, { id: roomId }, bearer(host)),
  ]);
  expect(codesAndPaths(forGuest.errors)).toEqual([{ code: 'FORBIDDEN', path: ['roomDashboard'] }]);
  expect(forGuest.data).toEqual({ roomDashboard: null });
  expect(forHost.errors).toBeUndefined();
  expect(forHost.data!.roomDashboard).toEqual({ name: 'Authorized loft' });
});
