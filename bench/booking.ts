/**
 * npm run bench: how fast the booking path is, through the real router, on real servers, and
 * beside it the same database writes made with the MongoDB driver alone on the same server (how
 * much of a booking's time is the database's). Timing goals live here, not in tests. Prints
 * percentiles and the machine, and exits 1 when a goal is missed.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { registerRoom, RESERVE, stay } from '../test/support/booking';
import { startSystem } from '../test/support/system';
import { tokenFor } from '../test/support/tokens';
import { WriteReplay, recordWrites } from './bookingWrites';
import { startMongo } from '../scripts/infra/mongo';
import { findFreePort } from '../scripts/infra/ports';

const SEQUENTIAL_BOOKINGS = 200;
const CONCURRENT_BOOKINGS = 50;
/** Goals for a 2-core machine on FerretDB/SQLite (measured p50 ~110 ms, p95 ~160 ms); a real mongod is faster. */
const GOALS_MS = { p50: 150, p95: 300 };

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function report(label: string, durations: number[]) {
  const sorted = [...durations].sort((a, b) => a - b);
  const summary = { p50: percentile(sorted, 50), p95: percentile(sorted, 95), max: sorted.at(-1)! };
  console.log(
    `${label.padEnd(36)} n=${String(durations.length).padStart(4)}  p50=${summary.p50.toFixed(1)} ms  p95=${summary.p95.toFixed(1)} ms  max=${summary.max.toFixed(1)} ms`,
  );
  return summary;
}

/** Settles when nothing has been written for a while (the relay's last pops after a booking). */
async function quiet(writes: { length: number }): Promise<void> {
  for (let seen = -1; seen !== writes.length;) {
    seen = writes.length;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

async function main() {
  console.log(
    `Machine: ${os.cpus().length} × ${os.cpus()[0].model}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`,
  );
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'roombook-bench-'));
  const mongo = process.env.TEST_MONGO_URL
    ? undefined
    : await startMongo({ dir, port: await findFreePort(), log: (line) => console.log(line) });
  process.env.TEST_MONGO_URL ??= mongo!.url;
  const system = await startSystem(['room', 'payment', 'reservation']);
  try {
    const [host, guest] = await Promise.all([tokenFor('bench-host', ['HOST']), tokenFor('bench-guest', ['GUEST'])]);
    const roomId = await registerRoom(system, host);

    const sequential: number[] = [];
    for (let night = 1; night <= SEQUENTIAL_BOOKINGS; night += 1) {
      const started = performance.now();
      const response = await system.graphql<{ reserveRoom: { status: string } }>(
        RESERVE,
        { input: stay(roomId, night, night + 1) },
        guest,
      );
      sequential.push(performance.now() - started);
      if (response.data?.reserveRoom.status !== 'CONFIRMED')
        throw new Error(`booking failed: ${JSON.stringify(response)}`);
    }
    const booking = report('reserveRoom, one at a time', sequential);

    // One more booking, its writes recorded; then the same writes with the driver alone.
    const recordRoom = await registerRoom(system, host);
    // Let the bookings above, and this room's events, settle first: their writes are not this booking's.
    await recordWrites((earlier) => quiet(earlier));
    const recorded = await recordWrites(async () => {
      const answer = await system.graphql<{ reserveRoom: { status: string } }>(
        RESERVE,
        { input: stay(recordRoom, 1, 2) },
        guest,
      );
      // A booking left PENDING (payment slow) writes less before its answer: not the one to compare.
      if (answer.data?.reserveRoom.status !== 'CONFIRMED')
        throw new Error(`the recorded booking was not confirmed: ${JSON.stringify(answer)}`);
    });
    const { writes, reads } = recorded;
    // What follows the answer (outbox pops, events handled, replicas) is not what the client waits for.
    const afterwards = await recordWrites((following) => quiet(following));
    console.log(
      `Before its answer a booking writes ${writes.length} times (${[...new Set(writes.map((write) => `${write.collection}.${write.method}`))].join(', ')}) and reads ${reads} times; ${afterwards.writes.length} writes follow it.`,
    );
    const replay = new WriteReplay(process.env.TEST_MONGO_URL, writes);
    try {
      const driverSequential: number[] = [];
      for (let index = 0; index < SEQUENTIAL_BOOKINGS; index += 1) {
        const started = performance.now();
        await replay.replayOnce();
        driverSequential.push(performance.now() - started);
      }
      report('its writes, driver, one at a time', driverSequential);
      const driverConcurrent = await Promise.all(
        Array.from({ length: CONCURRENT_BOOKINGS }, async () => {
          const started = performance.now();
          await replay.replayOnce();
          return performance.now() - started;
        }),
      );
      report(`its writes, driver, ${CONCURRENT_BOOKINGS} at once`, driverConcurrent);
    } finally {
      await replay.close();
    }

    const otherRoom = await registerRoom(system, host);
    const concurrent = await Promise.all(
      Array.from({ length: CONCURRENT_BOOKINGS }, async (_, index) => {
        const started = performance.now();
        await system.graphql(RESERVE, { input: stay(otherRoom, 1 + index, 2 + index) }, guest);
        return performance.now() - started;
      }),
    );
    report(`reserveRoom, ${CONCURRENT_BOOKINGS} at once`, concurrent);

    const missed = (['p50', 'p95'] as const).filter((key) => booking[key] > GOALS_MS[key]);
    if (missed.length > 0) {
      console.log(`Missed goals: ${missed.map((key) => `${key} > ${GOALS_MS[key]} ms`).join(', ')}`);
      process.exitCode = 1;
    } else console.log(`Goals met (p50 <= ${GOALS_MS.p50} ms, p95 <= ${GOALS_MS.p95} ms).`);
  } finally {
    await system.stop();
    await mongo?.stop();
    await fs.rm(dir, { recursive: true, force: true });
  }
}

void main();
