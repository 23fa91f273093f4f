/**
 * npm run bench:governance: what the router's governance costs per request, each variant a router
 * process of its own in front of the same room subgraph, one after another, under the same load
 * (autocannon, BENCH_CONNECTIONS at once for BENCH_SECONDS, one signed-in caller):
 * - baseline: no trusted documents, no rate limits, an operation the caller may read whole;
 * - trusted documents (enforce), the operation sent by its id alone;
 * - rate limits with buckets in NATS key-value (a limit high enough that nothing is refused);
 * - rate limits while NATS is away is not measured: it is the local bucket, a map lookup;
 * - authorization removing one field: the operation plus an @authenticated field, sent anonymously.
 * The router's CPU time per request (from its own process_cpu_seconds_total) says more than the
 * throughput on a busy machine, where other processes take the cores. A benchmark, not a test: it
 * prints what it measures and the machine.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { startMongo } from '../scripts/infra/mongo';
import { findFreePort } from '../scripts/infra/ports';
import { registerRoom } from '../test/support/booking';
import { startSystem } from '../test/support/system';
import { tokenFor } from '../test/support/tokens';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 6);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);

const ROOM = `query Room($id: ID!) { room(id: $id) { id name city } }`;
const ROOM_AND_RESERVATION = `query RoomAndReservation($id: ID!) { room(id: $id) { id name city } reservation(id: "none") { id } }`;

interface Variant {
  readonly name: string;
  readonly environment: Record<string, string>;
  readonly body: (roomId: string) => unknown;
  readonly token: boolean;
}

/** The router process's CPU time so far (user + system), from its own /metrics. */
async function cpuSeconds(routerUrl: string): Promise<number> {
  const text = await (await fetch(routerUrl.replace(/\/graphql$/, '/metrics'))).text();
  return Number(/^process_cpu_seconds_total(?:\{[^}]*\})? ([\d.e+-]+)/m.exec(text)?.[1] ?? NaN);
}

async function main() {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'roombook-bench-governance-'));
  const mongo = process.env.TEST_MONGO_URL
    ? undefined
    : await startMongo({ dir, port: await findFreePort(), log: (line) => console.log(line) });
  process.env.TEST_MONGO_URL ??= mongo!.url;
  const system = await startSystem(['room']);
  try {
    const host = await tokenFor('hana', ['HOST']);
    const caller = await tokenFor('bench-caller', ['GUEST']);
    const roomId = await registerRoom(system, host, { name: 'Bench room', city: 'Bruges' });
    const manifest = path.join(dir, 'manifest.json');
    const id = createHash('sha256').update(ROOM).digest('hex');
    await fs.writeFile(
      manifest,
      JSON.stringify({
        format: 'apollo-persisted-query-manifest',
        version: 1,
        operations: [{ id, name: 'Room', type: 'query', body: ROOM }],
      }),
    );
    const asText = (query: string) => () => ({ query, variables: { id: roomId } });
    const variants: Variant[] = [
      { name: 'baseline', environment: {}, body: asText(ROOM), token: true },
      {
        name: 'trusted documents, by id',
        environment: { PERSISTED_DOCUMENTS_PATH: manifest, PERSISTED_DOCUMENTS_MODE: 'enforce' },
        body: () => ({ variables: { id: roomId }, extensions: { persistedQuery: { version: 1, sha256Hash: id } } }),
        token: true,
      },
      {
        name: 'rate limits, NATS key-value',
        environment: { RATE_LIMIT_PER_SECOND: '1000000', RATE_LIMIT_BURST: '1000000' },
        body: asText(ROOM),
        token: true,
      },
      { name: 'authorization, 1 field removed', environment: {}, body: asText(ROOM_AND_RESERVATION), token: false },
    ];
    console.log(
      `governance cost per request: ${CONNECTIONS} connections, ${SECONDS} s per variant, one router process each`,
    );
    console.log(
      `machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
    );
    for (const variant of variants) {
      const router = await system.spawnRouter({ ...variant.environment, LOG_LEVEL: 'warn' });
      try {
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (variant.token) headers.authorization = `Bearer ${caller}`;
        const body = JSON.stringify(variant.body(roomId));
        // A warm-up, so the plan is cached and connections open.
        await autocannon({ url: router.url, method: 'POST', headers, body, connections: CONNECTIONS, duration: 1 });
        const cpuBefore = await cpuSeconds(router.url);
        const result = await autocannon({
          url: router.url,
          method: 'POST',
          headers,
          body,
          connections: CONNECTIONS,
          duration: SECONDS,
        });
        const cpuMs = ((await cpuSeconds(router.url)) - cpuBefore) * 1000;
        console.log(
          `${variant.name.padEnd(32)} ${(cpuMs / result.requests.total).toFixed(2).padStart(5)} ms CPU/request  ${result.requests.average.toFixed(0).padStart(5)} req/s  p50 ${result.latency.p50} ms  p99 ${result.latency.p99} ms  non-2xx ${result.non2xx}  errors ${result.errors}`,
        );
      } finally {
        await router.stop();
      }
    }
  } finally {
    await system.stop();
    await mongo?.stop();
    await fs.rm(dir, { recursive: true, force: true });
  }
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
