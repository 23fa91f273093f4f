/**
 * npm run bench:subscriptions: with BENCH_SUBSCRIBERS (default 1,000) graphql-ws clients on one
 * router, each on its own connection, how long from a mutation's response until the last
 * subscriber has its event (p50/p99 over BENCH_CHANGES changes), and the router's memory.
 * A benchmark, not a test: it prints what it measures and the machine.
 *
 * Two cases: every subscriber anonymous with the same selection (one resolution per event, shared),
 * and every subscriber signed in as someone else (one resolution per subscriber and event: what
 * a selection whose fields depend on the caller costs). The router runs as a process of its own, so
 * its memory is its own; TEST_MONGO_URL uses a running MongoDB-wire server instead of starting one.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { registerRoom } from '../test/support/booking';
import { connectLive, type LiveConnection } from '../test/support/liveClient';
import { eventually } from '../test/support/streams';
import { startSystem, type TestSystem } from '../test/support/system';
import { tokenFor } from '../test/support/tokens';
import { startMongo } from '../scripts/infra/mongo';
import { findFreePort } from '../scripts/infra/ports';

const SUBSCRIBERS = Number(process.env.BENCH_SUBSCRIBERS ?? 1000);
const CHANGES = Number(process.env.BENCH_CHANGES ?? 30);
const ROOM_CHANGED = `subscription($roomId: ID) { roomChanged(roomId: $roomId) { id name capacity } }`;
const UPDATE_ROOM = `mutation($id: ID!, $name: String!) { updateRoom(id: $id, input: { name: $name }) { id } }`;

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function routerMemoryMiB(routerUrl: string): Promise<number> {
  const metrics = await (await fetch(routerUrl.replace(/\/graphql$/, '/metrics'))).text();
  return Number(/^process_resident_memory_bytes(?:\{[^}]*\})? (\S+)/m.exec(metrics)?.[1] ?? NaN) / 2 ** 20;
}

async function activeSubscriptions(routerUrl: string): Promise<number> {
  const metrics = await (await fetch(routerUrl.replace(/\/graphql$/, '/metrics'))).text();
  return Number(/^live_subscriptions(?:\{[^}]*\})? (\d+)/m.exec(metrics)?.[1] ?? NaN);
}

async function runCase(
  label: string,
  system: TestSystem,
  routerUrl: string,
  host: string,
  tokens: readonly (string | undefined)[],
): Promise<void> {
  const roomId = await registerRoom(system, host, { name: 'Bench room' });
  const connections: LiveConnection[] = [];
  /** For each subscriber, when it received the payload showing each name. */
  const received = new Map<string, number[]>();
  const idle = await routerMemoryMiB(routerUrl);
  for (const token of tokens) {
    const connection = connectLive(routerUrl, token);
    connections.push(connection);
    connection.subscribe<{ roomChanged: { name: string } }>(ROOM_CHANGED, { roomId }, (result) => {
      const name = result.data?.roomChanged.name;
      if (name) received.set(name, [...(received.get(name) ?? []), performance.now()]);
    });
  }
  await eventually(
    () => activeSubscriptions(routerUrl),
    (active) => active === tokens.length,
    { timeoutMs: 120_000 },
  );
  const subscribed = await routerMemoryMiB(routerUrl);

  const lastArrivals: number[] = [];
  const allArrivals: number[] = [];
  for (let change = 1; change <= CHANGES; change += 1) {
    const name = `Bench room ${change}`;
    const response = await system.graphql(UPDATE_ROOM, { id: roomId, name }, host);
    const answered = performance.now();
    if (response.errors) throw new Error(`updateRoom failed: ${JSON.stringify(response.errors)}`);
    const arrivals = await eventually(
      () => Promise.resolve(received.get(name) ?? []),
      (times) => times.length === tokens.length,
      { timeoutMs: 120_000 },
    );
    const lags = arrivals.map((time) => time - answered);
    allArrivals.push(...lags);
    lastArrivals.push(Math.max(...lags));
  }
  const busy = await routerMemoryMiB(routerUrl);
  await Promise.all(connections.map((connection) => connection.dispose()));

  const last = [...lastArrivals].sort((a, b) => a - b);
  const every = [...allArrivals].sort((a, b) => a - b);
  console.log(label);
  console.log(
    `  mutation answered -> last of ${tokens.length} subscribers has it: p50=${percentile(last, 50).toFixed(0)} ms  p99=${percentile(last, 99).toFixed(0)} ms  (${CHANGES} changes)`,
  );
  console.log(
    `  mutation answered -> any subscriber has it:          p50=${percentile(every, 50).toFixed(0)} ms  p99=${percentile(every, 99).toFixed(0)} ms`,
  );
  console.log(
    `  router memory (RSS): ${idle.toFixed(0)} MiB before, ${subscribed.toFixed(0)} MiB with ${tokens.length} subscribers, ${busy.toFixed(0)} MiB after the changes`,
  );
}

async function main() {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'roombook-bench-live-'));
  const mongo = process.env.TEST_MONGO_URL
    ? undefined
    : await startMongo({ dir, port: await findFreePort(), log: (line) => console.log(line) });
  process.env.TEST_MONGO_URL ??= mongo!.url;
  const system = await startSystem(['room']);
  const router = await system.spawnRouter({ LOG_LEVEL: 'warn' });
  try {
    console.log(
      `machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB; Node ${process.version}`,
    );
    const host = await tokenFor('bench-host', ['HOST']);
    await runCase(
      `${SUBSCRIBERS} anonymous subscribers, one selection (resolved once per event)`,
      system,
      router.url,
      host,
      Array.from({ length: SUBSCRIBERS }, () => undefined),
    );
    const tokens = await Promise.all(
      Array.from({ length: SUBSCRIBERS }, (_, index) => tokenFor(`bench-guest-${index}`, ['GUEST'])),
    );
    await runCase(
      `${SUBSCRIBERS} subscribers, each signed in as another guest (resolved once per subscriber and event)`,
      system,
      router.url,
      host,
      tokens,
    );
  } finally {
    await router.stop();
    await system.stop();
    await mongo?.stop();
    await fs.rm(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
