/**
 * Per-caller rate limits through the real router: one caller over its share is refused with
 * RATE_LIMITED and Retry-After while another is served at the same time; the share holds across
 * two router processes (their buckets are in NATS); with NATS gone each router keeps limiting on
 * its own, and shares again once NATS is back.
 */
import { errorCodes, type GraphQLResponse } from '../../test/support/graphqlClient';
import { startSystem, type SpawnedReplica, type TestSystem } from '../../test/support/system';
import { tokenFor } from '../../test/support/tokens';

/**
 * A burst of 3, then one request per 1,000 s: a test's requests never earn a token back, however
 * slowly a loaded machine answers them (at one per 20 s, a test whose requests took 20 s from its
 * first to the one it expects refused saw that one served). The shared store may take its time:
 * on a busy machine NATS can answer later than the default 250 ms, and a router that stops waiting
 * limits with a bucket of its own (as it should), which is not what these tests are about; the
 * outage test stops NATS, which a router notices at once.
 */
const LIMITS = { RATE_LIMIT_PER_SECOND: '0.001', RATE_LIMIT_BURST: '3', RATE_LIMIT_STORE_TIMEOUT_MS: '10000' };
const ROOMS = `{ rooms(first: 1) { edges { node { id } } } }`;

let system: TestSystem;
let replica: SpawnedReplica;
let run = 0;

beforeAll(async () => {
  system = await startSystem(['room'], { router: LIMITS });
  replica = await system.spawnRouter(LIMITS);
});
afterAll(async () => {
  await replica?.stop();
  await system?.stop();
});

/** A caller no other test has used. */
function caller(name: string): Promise<string> {
  run += 1;
  return tokenFor(`${name}-${run}-${Date.now()}`, ['GUEST']);
}

interface Answer {
  readonly status: number;
  readonly retryAfter: string | null;
  readonly codes: (string | undefined)[];
}

async function ask(url: string, token?: string): Promise<Answer> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query: ROOMS }),
  });
  const body = (await response.json()) as Omit<GraphQLResponse, 'status'>;
  return {
    status: response.status,
    retryAfter: response.headers.get('retry-after'),
    codes: errorCodes({ status: response.status, ...body }),
  };
}

async function decisions(url: string, store: string): Promise<number> {
  const text = await (await fetch(url.replace(/\/graphql$/, '/metrics'))).text();
  return [
    ...text.matchAll(new RegExp(`^router_rate_limit_decisions_total\\{[^}]*store="${store}"[^}]*\\} (\\d+)`, 'gm')),
  ].reduce((sum, [, value]) => sum + Number(value), 0);
}

it("refuses a caller over its share while another caller's requests, at the same time, are served", async () => {
  const [greedy, modest] = await Promise.all([caller('greedy'), caller('modest')]);
  const answers = await Promise.all([
    ...Array.from({ length: 6 }, () => ask(system.routerUrl, greedy).then((answer) => ({ who: 'greedy', answer }))),
    ...Array.from({ length: 3 }, () => ask(system.routerUrl, modest).then((answer) => ({ who: 'modest', answer }))),
  ]);
  const of = (who: string) => answers.filter((each) => each.who === who).map((each) => each.answer);

  expect(of('modest')).toEqual(Array.from({ length: 3 }, () => ({ status: 200, retryAfter: null, codes: [] })));
  const greedyServed = of('greedy').filter((answer) => answer.status === 200);
  const greedyRefused = of('greedy').filter((answer) => answer.status !== 200);
  expect(greedyServed).toHaveLength(3);
  expect(greedyRefused).toHaveLength(3);
  for (const refused of greedyRefused) {
    expect(refused.status).toBe(429);
    expect(refused.codes).toEqual(['RATE_LIMITED']);
    expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(1);
    // At most the wait for one token at this rate.
    expect(Number(refused.retryAfter)).toBeLessThanOrEqual(1 / Number(LIMITS.RATE_LIMIT_PER_SECOND));
  }
});

it('limits anonymous callers by their address, apart from the signed-in callers at that address', async () => {
  const signedIn = await caller('neighbour');
  const anonymous: Answer[] = [];
  for (let request = 0; request < 4; request += 1) anonymous.push(await ask(system.routerUrl));
  // This file's only anonymous requests, all from 127.0.0.1.
  expect(anonymous.map((answer) => answer.status)).toEqual([200, 200, 200, 429]);
  expect((await ask(system.routerUrl, signedIn)).status).toBe(200);
});

it("holds a caller's share across two router processes", async () => {
  const token = await caller('spread');
  expect((await ask(system.routerUrl, token)).status).toBe(200);
  expect((await ask(replica.url, token)).status).toBe(200);
  expect((await ask(system.routerUrl, token)).status).toBe(200);
  // Three served in all, one router or the other: the fourth is refused by either.
  expect((await ask(replica.url, token)).codes).toEqual(['RATE_LIMITED']);
  expect((await ask(system.routerUrl, token)).codes).toEqual(['RATE_LIMITED']);
});

it('keeps limiting on its own while NATS is unreachable, and shares again once it is back', async () => {
  await system.nats.stop();
  try {
    const local = await decisions(system.routerUrl, 'local');
    const token = await caller('outage');
    for (let request = 0; request < 3; request += 1) expect((await ask(system.routerUrl, token)).status).toBe(200);
    expect((await ask(system.routerUrl, token)).codes).toEqual(['RATE_LIMITED']);
    expect(await decisions(system.routerUrl, 'local')).toBe(local + 4);
  } finally {
    await system.nats.start();
  }
  const shared = await decisions(system.routerUrl, 'shared');
  const deadline = Date.now() + 30_000;
  while ((await decisions(system.routerUrl, 'shared')) === shared) {
    if (Date.now() > deadline) throw new Error('the router did not use the shared store again within 30 s');
    await ask(system.routerUrl, await caller('after-outage'));
  }
});
