/**
 * The router's warm-up before it reports ready (warmingUp/), with the real subgraphs behind
 * counting proxies: readiness answers 503 until it has run, it runs the first burst's operations
 * through the router's own request path against a stand-in, and no real subgraph hears of it;
 * WARMUP=off skips it; a router process warms up without printing a warning.
 */
import type { RunningService } from '@roombook/kernel';
import { SUBGRAPHS, subgraphUrlVariable } from '../../subgraphs/catalog';
import { findFreePort } from '../../scripts/infra/ports';
import { gate } from '../../test/support/gate';
import { postGraphQL } from '../../test/support/graphqlClient';
import { RESERVE, registerRoom, stay } from '../../test/support/booking';
import { startSubgraphProxy, type SubgraphProxy } from '../../test/support/subgraphProxy';
import { startSystem, type TestSystem } from '../../test/support/system';
import { tokenFor } from '../../test/support/tokens';
import { configSchema } from '../src/config';
import { launchService } from '../../scripts/start/service';
import { startRouter } from '../src/server';
import { warmUpRouter } from '../src/warmingUp/routerWarmUp';

let system: TestSystem;
const proxies = new Map<string, SubgraphProxy>();
let router: RunningService | undefined;

beforeAll(async () => {
  for (const { name } of SUBGRAPHS) proxies.set(name, await startSubgraphProxy());
  system = await startSystem(['room', 'payment', 'reservation']);
  for (const name of ['room', 'payment', 'reservation'] as const) proxies.get(name)!.target = system.subgraph(name).url;
});
afterEach(async () => {
  await router?.stop();
  router = undefined;
});
afterAll(async () => {
  await system.stop();
  await Promise.all([...proxies.values()].map((proxy) => proxy.close()));
});

function routerConfig(port: number, environment: Record<string, string> = {}) {
  return configSchema.parse({
    PORT: String(port),
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    DRAIN_DELAY_MS: '0',
    ...Object.fromEntries(SUBGRAPHS.map(({ name }) => [subgraphUrlVariable(name), proxies.get(name)!.url])),
    ...environment,
  });
}

async function statusOf(port: number, path: string): Promise<number> {
  return (await fetch(`http://127.0.0.1:${port}${path}`)).status;
}

/** Until the router listens (its liveness answers), whatever its readiness says. */
async function untilLive(port: number): Promise<void> {
  for (;;) {
    const live = await statusOf(port, '/health/live').catch(() => undefined);
    if (live === 200) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

function requestsAtSubgraphs(): number {
  return [...proxies.values()].reduce((sum, proxy) => sum + proxy.requests, 0);
}

test('readiness waits for the warm-up, which runs the first burst through the router against a stand-in, never a real subgraph', async () => {
  const before = requestsAtSubgraphs();
  const { opened, open } = gate();
  let fetches = -1;
  const port = await findFreePort();
  // Held by the test, not by the clock: on a loaded machine the warm-up may outlast the default cap.
  const starting = startRouter(routerConfig(port, { WARMUP_CAP_MS: '600000' }), undefined, async (parts, signal) => {
    await opened;
    const outcome = await warmUpRouter(parts, signal);
    fetches = outcome.fetches;
    return outcome;
  });

  await untilLive(port);
  expect(await statusOf(port, '/health/ready')).toBe(503);
  open();
  router = await starting;
  expect(await statusOf(port, '/health/ready')).toBe(200);

  // The plans ran end to end, at the stand-in; the real subgraphs heard nothing of it.
  expect(fetches).toBeGreaterThan(0);
  expect(requestsAtSubgraphs()).toBe(before);
  // Not counted as the router's operations.
  const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  expect(metrics).not.toMatch(/^graphql_operation_duration_seconds_count/m);

  // The proxies are on the real path: a real booking through this router reaches them.
  const host = await tokenFor('warm-up-host', ['HOST']);
  const roomId = await registerRoom(system, host);
  const booked = await postGraphQL<{ reserveRoom: { status: string } }>(
    router.url,
    RESERVE,
    { input: stay(roomId, 3, 5) },
    { authorization: `Bearer ${await tokenFor('warm-up-guest', ['GUEST'])}` },
  );
  expect(booked.data?.reserveRoom.status).toBe('CONFIRMED');
  expect(proxies.get('reservation')!.requests).toBeGreaterThan(0);
});

test('WARMUP=off: no warm-up, ready once it listens', async () => {
  let warmUps = 0;
  const port = await findFreePort();
  router = await startRouter(routerConfig(port, { WARMUP: 'off' }), undefined, async (parts, signal) => {
    warmUps += 1;
    return warmUpRouter(parts, signal);
  });
  expect(await statusOf(port, '/health/ready')).toBe(200);
  expect(warmUps).toBe(0);
});

test('a router started as a process warns of nothing while it warms up', async () => {
  // Node's warnings go to the process's stderr; Jest's sandboxed `process` never sees them.
  const lines: string[] = [];
  const port = await findFreePort();
  const started = await launchService({
    name: 'router',
    entry: 'router/src/main.ts',
    runs: 'source',
    port,
    env: {
      PORT: String(port),
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      WARMUP: 'on',
      WARMUP_CAP_MS: '600000',
      ...Object.fromEntries(SUBGRAPHS.map(({ name }) => [subgraphUrlVariable(name), proxies.get(name)!.url])),
    },
    print: (line) => lines.push(line),
  });
  try {
    await started.untilReady(60_000);
  } finally {
    await started.child.stop();
  }
  expect(lines.some((line) => line.includes('"msg":"warmed up"'))).toBe(true);
  expect(lines.filter((line) => /Warning/.test(line))).toEqual([]);
});
