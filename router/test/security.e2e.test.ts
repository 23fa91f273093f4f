import { DEV_SUBGRAPH_SECRET, IDENTITY_HEADER, InternalTokens } from '@roombook/kernel';
import { SignJWT } from 'jose';
import { startSystem, type TestSystem } from '../../test/support/system';
import { bearer, errorCodes, postGraphQL } from '../../test/support/graphqlClient';
import { tokenFor } from '../../test/support/tokens';

const PUBLIC_QUERY = `{ rooms { totalCount } }`;
let system: TestSystem;

beforeAll(async () => {
  system = await startSystem(['room'], { router: { MAX_QUERY_DEPTH: '4' } });
});
afterAll(() => system.stop());

describe('client tokens', () => {
  it('lets anonymous callers read rooms', async () => {
    const response = await system.graphql(PUBLIC_QUERY);
    expect(response.errors).toBeUndefined();
    expect(typeof response.data?.rooms.totalCount).toBe('number');
  });

  it.each([
    ['malformed', () => Promise.resolve('not-a-jwt')],
    ['forged (wrong secret)', () => tokenFor('mallory', ['ADMIN'], { secret: 'some-other-secret-of-32-characters!!' })],
    ['expired', () => tokenFor('alice', ['HOST'], { expiresAt: Math.floor(Date.now() / 1000) - 60 })],
    // A token that never expires is a credential that cannot be taken back once leaked.
    ['never-expiring (no exp)', () => tokenFor('alice', ['HOST'], { expiresAt: null })],
  ])('answers UNAUTHENTICATED for a %s token, even on a public query', async (_kind, makeToken) => {
    const response = await system.graphql(PUBLIC_QUERY, {}, await makeToken());
    expect(response.status).toBe(401);
    expect(errorCodes(response)).toEqual(['UNAUTHENTICATED']);
  });

  it('answers UNAUTHENTICATED for an Authorization header that is not a bearer token', async () => {
    const response = await postGraphQL(system.routerUrl, PUBLIC_QUERY, {}, { authorization: 'Basic YWxpY2U6c2VjcmV0' });
    expect(errorCodes(response)).toEqual(['UNAUTHENTICATED']);
  });
});

describe('subgraphs trust only the router', () => {
  const registerRoom = `mutation { registerRoom(input: { name: "x", city: "y", capacity: 1, pricePerNight: { amount: 1, currency: "USD" } }) { id } }`;

  it('refuses a request sent straight to a subgraph with a made-up identity', async () => {
    const room = system.subgraph('room');
    const madeUp = await postGraphQL(
      room.url,
      registerRoom,
      {},
      { 'x-user-id': 'mallory', 'x-roles': 'HOST', [IDENTITY_HEADER]: 'eyJhbGciOiJub25lIn0.e30.' },
    );
    expect(errorCodes(madeUp)).toEqual(['UNAUTHENTICATED']);
    const forged = await new InternalTokens('a-secret-that-is-not-the-routers').sign(
      { kind: 'user', userId: 'mallory', roles: ['HOST'] },
      'room',
    );
    const signedWrong = await postGraphQL(room.url, registerRoom, {}, { [IDENTITY_HEADER]: forged });
    expect(errorCodes(signedWrong)).toEqual(['UNAUTHENTICATED']);
    const noHeader = await postGraphQL(room.url, PUBLIC_QUERY, {}, bearer(await tokenFor('alice', ['HOST'])));
    expect(errorCodes(noHeader)).toEqual(['UNAUTHENTICATED']);
  });

  it('refuses an identity token without an expiry (exp), even signed with the right secret', async () => {
    const neverExpiring = await new SignJWT({ kind: 'user', roles: ['HOST'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('roombook')
      .setAudience('room')
      .setSubject('hana')
      .setIssuedAt()
      .sign(new TextEncoder().encode(DEV_SUBGRAPH_SECRET));
    const response = await postGraphQL(
      system.subgraph('room').url,
      registerRoom,
      {},
      {
        [IDENTITY_HEADER]: neverExpiring,
      },
    );
    expect(errorCodes(response)).toEqual(['UNAUTHENTICATED']);
  });

  it('refuses a genuine identity token addressed to another subgraph', async () => {
    const room = system.subgraph('room');
    const tokens = new InternalTokens(DEV_SUBGRAPH_SECRET);
    const hana = { kind: 'user', userId: 'hana', roles: ['HOST'] } as const;
    const forPayment = await postGraphQL(
      room.url,
      registerRoom,
      {},
      { [IDENTITY_HEADER]: await tokens.sign(hana, 'payment') },
    );
    expect(errorCodes(forPayment)).toEqual(['UNAUTHENTICATED']);
    const forRoom = await postGraphQL(
      room.url,
      registerRoom,
      {},
      { [IDENTITY_HEADER]: await tokens.sign(hana, 'room') },
    );
    expect(forRoom.errors).toBeUndefined();
  });
});

describe('request limits and protections', () => {
  it('refuses a query deeper than the limit', async () => {
    // This router runs with MAX_QUERY_DEPTH=4 (see beforeAll).
    const atLimit = await system.graphql(`{ rooms { edges { node { id } } } }`);
    expect(atLimit.errors).toBeUndefined();
    const overLimit = await system.graphql(`{ rooms { edges { node { pricePerNight { amount } } } } }`);
    expect(overLimit.status).toBe(400);
    expect(overLimit.errors?.[0]?.message).toMatch(/depth/i);
  });

  it('answers 413 for a body over the size limit', async () => {
    const response = await fetch(system.routerUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `{ rooms { totalCount } }`, variables: { padding: 'x'.repeat(200_000) } }),
    });
    expect(response.status).toBe(413);
  });

  it('keeps CSRF prevention on: a simple cross-site form post is refused', async () => {
    const response = await fetch(system.routerUrl, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ query: PUBLIC_QUERY }),
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/CSRF/i);
  });

  it('serves Apollo Sandbox to a browser outside production', async () => {
    const response = await fetch(system.routerUrl, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    expect(await response.text()).toMatch(/sandbox/i);
  });
});

describe('a subgraph that is down', () => {
  it('answers SERVICE_UNAVAILABLE without revealing internal addresses', async () => {
    await system.stopSubgraph('room');
    try {
      const response = await system.graphql(PUBLIC_QUERY);
      expect(errorCodes(response)).toEqual(['SERVICE_UNAVAILABLE']);
      expect(JSON.stringify(response.errors)).not.toMatch(/127\.0\.0\.1|localhost/);
    } finally {
      await system.startSubgraph('room');
    }
  });
});

describe('health and metrics', () => {
  it('reports live, ready and Prometheus metrics on the router and on each subgraph', async () => {
    const bases = [system.routerUrl, system.subgraph('room').url].map((url) => url.replace(/\/graphql$/, ''));
    for (const base of bases) {
      expect((await fetch(`${base}/health/live`)).status).toBe(200);
      expect((await fetch(`${base}/health/ready`)).status).toBe(200);
      const metrics = await fetch(`${base}/metrics`);
      expect(metrics.headers.get('content-type')).toMatch(/text\/plain/);
      expect(await metrics.text()).toMatch(/^# HELP http_request_duration_seconds/m);
    }
  });
});
