/**
 * npm run bench:subscriptions: with BENCH_SUBSCRIBERS (default 1,000) clients on one router, each
 * on its own connection (BENCH_TRANSPORT: graphql-ws, the default, sse or multipart), how long from a mutation's response until the last
 * subscriber has its event (p50/p99 over BENCH_CHANGES changes), and the router's memory.
 * A benchmark, not a test: it prints what it measures and the machine.
 *
 * Two cases: every subscriber anonymous, and every subscriber signed in as someone else; the
 * selection reads nothing caller-dependent, so both share one resolution per event. Then a resume
 * storm: the signed-in subscribers disconnect, BENCH_BEHIND (default 100) changes happen, and all
 * resume at once from their cursors; how long until every one is caught up. The router runs as a
 * process of its own, so its memory is its own; TEST_MONGO_URL uses a running MongoDB-wire server
 * instead of starting one.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { registerRoom } from '../test/support/booking';
import { openHttpLive } from '../test/support/httpLiveClient';
import { connectLive } from '../test/support/liveClient';
import { eventually } from '../test/support/streams';
import { startSystem, type TestSystem } from '../test/support/system';
import { tokenFor } from '../test/support/tokens';
import { startMongo } from '../scripts/infra/mongo';
import { findFreePort } from '../scripts/infra/ports';

const SUBSCRIBERS = Number(process.env.BENCH_SUBSCRIBERS ?? 1000);
/** graphql-ws (default), sse or multipart: how every subscriber connects. */
const TRANSPORT = (process.env.BENCH_TRANSPORT ?? 'graphql-ws') as 'graphql-ws' | 'sse' | 'multipart';
const CHANGES = Number(process.env.BENCH_CHANGES ?? 30);
const BEHIND = Number(process.env.BENCH_BEHIND ?? 100);
const ROOM_CHANGED = `subscription($roomId: ID) { roomChanged(roomId: $roomId) { id name capacity } }`;
const UPDATE_ROOM = `mutation($id: ID!, $name: String!) { updateRoom(id: $id, input: { name: $name }) { id } }`;

/** A result as it arrives: SSE sends it as is, multipart inside `payload`. */
type Payload = { readonly data?: { readonly roomChanged: { readonly name: string } } };

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
  const connections: { dispose(): unknown }[] = [];
  /** For each subscriber, when it received the payload showing each name. */
  const received = new Map<string, number[]>();
  const receive = (name: string | undefined) => {
    if (name) received.set(name, [...(received.get(name) ?? []), performance.now()]);
  };
  const idle = await routerMemoryMiB(routerUrl);
  if (TRANSPORT === 'graphql-ws') {
    for (const token of tokens) {
      const connection = connectLive(routerUrl, token);
      connections.push(connection);
      connection.subscribe<{ roomChanged: { name: string } }>(ROOM_CHANGED, { roomId }, (result) =>
        receive(result.data?.roomChanged.name),
      );
    }
  } else {
    // A stream is admitted like an operation while it opens: a few at a time, not 1,000 at once.
    for (let first = 0; first < tokens.length; first += 20) {
      const batch = await Promise.all(
        tokens.slice(first, first + 20).map((token) =>
          openHttpLive(routerUrl, TRANSPORT, {
            query: ROOM_CHANGED,
            variables: { roomId },
            token,
            onMessage: ({ data }: { data: Payload & { payload?: Payload } }) =>
              receive((TRANSPORT === 'sse' ? data : data.payload)?.data?.roomChanged.name),
          }),
        ),
      );
      connections.push(...batch.map((stream) => ({ dispose: () => stream.close() })));
    }
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

/** Every subscriber disconnects with its last cursor, BEHIND changes happen, all resume at once. */
async function runResumeStorm(
  system: TestSystem,
  routerUrl: string,
  host: string,
  tokens: readonly string[],
): Promise<void> {
  const roomId = await registerRoom(system, host, { name: 'Storm room' });
  const cursors: (string | undefined)[] = tokens.map(() => undefined);
  const connections = tokens.map((token, index) => {
    const connection = connectLive(routerUrl, token);
    connection.subscribe<{ roomChanged: { name: string } }>(ROOM_CHANGED, { roomId }, (result) => {
      if (result.data?.roomChanged.name === 'Storm 0') cursors[index] = result.extensions?.cursor;
    });
    return connection;
  });
  await eventually(
    () => activeSubscriptions(routerUrl),
    (active) => active === tokens.length,
    { timeoutMs: 120_000 },
  );
  await system.graphql(UPDATE_ROOM, { id: roomId, name: 'Storm 0' }, host);
  await eventually(
    () => Promise.resolve(cursors.filter(Boolean).length),
    (count) => count === tokens.length,
    { timeoutMs: 120_000 },
  );
  await Promise.all(connections.map((connection) => connection.dispose()));
  await eventually(
    () => activeSubscriptions(routerUrl),
    (active) => active === 0,
    { timeoutMs: 60_000 },
  );

  // The changes they miss, through the other router; a watcher there says when the last is in the log.
  const watcher = connectLive(system.routerUrl);
  let latest = '';
  watcher.subscribe<{ roomChanged: { name: string } }>(ROOM_CHANGED, { roomId }, (result) => {
    latest = result.data?.roomChanged.name ?? latest;
  });
  await eventually(
    () => activeSubscriptions(system.routerUrl),
    (active) => active >= 1,
  );
  const last = `Storm ${BEHIND}`;
  for (let change = 1; change <= BEHIND; change += 1) {
    await system.graphql(UPDATE_ROOM, { id: roomId, name: `Storm ${change}` }, host);
  }
  await eventually(
    () => Promise.resolve(latest),
    (name) => name === last,
    { timeoutMs: 60_000 },
  );
  await watcher.dispose();

  const before = await routerMemoryMiB(routerUrl);
  let caughtUp = 0;
  const started = performance.now();
  const resumed = tokens.map((token, index) => {
    const connection = connectLive(routerUrl, token);
    let done = false;
    connection.subscribe<{ roomChanged: { name: string } }>(
      ROOM_CHANGED,
      { roomId },
      (result) => {
        if (!done && result.data?.roomChanged.name === last) {
          done = true;
          caughtUp += 1;
        }
      },
      { resumeFrom: cursors[index] },
    );
    return connection;
  });
  let peak = before;
  await eventually(
    async () => {
      peak = Math.max(peak, await routerMemoryMiB(routerUrl));
      return caughtUp;
    },
    (count) => count === tokens.length,
    { timeoutMs: 120_000 },
  );
  const elapsed = performance.now() - started;
  await Promise.all(resumed.map((connection) => connection.dispose()));
  console.log(`resume storm: ${tokens.length} signed-in subscribers, each ${BEHIND} changes behind, resume at once`);
  console.log(`  all caught up after ${elapsed.toFixed(0)} ms`);
  console.log(`  router memory (RSS): ${before.toFixed(0)} MiB before, ${peak.toFixed(0)} MiB at most while resuming`);
}

async function main() {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'roombook-bench-live-'));
  const mongo = process.env.TEST_MONGO_URL
    ? undefined
    : await startMongo({ dir, port: await findFreePort(), log: (line) => console.log(line) });
  process.env.TEST_MONGO_URL ??= mongo!.url;
  const system = await startSystem(['room']);
  const router = await system.spawnRouter({
    LOG_LEVEL: 'warn',
    // Every anonymous subscriber comes from this machine's address.
    MAX_HTTP_SUBSCRIPTIONS_PER_CALLER: String(SUBSCRIBERS),
  });
  try {
    console.log(`transport: ${TRANSPORT}`);
    console.log(
      `machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB; Node ${process.version}`,
    );
    const host = await tokenFor('bench-host', ['HOST']);
    await runCase(
      `${SUBSCRIBERS} anonymous subscribers, one selection (one resolution per event)`,
      system,
      router.url,
      host,
      Array.from({ length: SUBSCRIBERS }, () => undefined),
    );
    const tokens = await Promise.all(
      Array.from({ length: SUBSCRIBERS }, (_, index) => tokenFor(`bench-guest-${index}`, ['GUEST'])),
    );
    await runCase(
      `${SUBSCRIBERS} subscribers, each signed in as another guest (the selection is public: still one resolution per event)`,
      system,
      router.url,
      host,
      tokens,
    );
    await runResumeStorm(system, router.url, host, tokens);
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
